package io.lockwarden.bench;

import io.lockwarden.testkit.fixture.PostgresServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * Per-statement cost of the JDBC guard ({@code jdbc:lockwarden:postgresql:}) against plain pgjdbc, on the same
 * server in the same run: a simple query loop (prepare, bind, execute, read, close: the guard's text check and
 * its proxies are all it adds) and a lock/unlock loop ({@code pg_advisory_lock(?)} then
 * {@code pg_advisory_unlock(?)}, which the guard parses and tracks). Each round alternates chunks of 50
 * statements on one connection and then the other (so both see the same moments of a noisy machine); the
 * ratio is guarded/plain per round, reported as the median with the 10th-90th percentile spread across rounds.
 *
 * <p>Run: {@code mvn -q -pl bench -am package -DskipTests -Pguard-overhead}; arguments
 * {@code [rounds] [statements per batch]}, default 40 and 2000 ({@code -Dexec.args="40 2000"}). For a combined
 * table call {@link #run(PostgresServer, int, int)}. Not thread-safe; a program, not a library.
 */
public final class GuardOverheadBenchmark {

    /**
     * One workload's result.
     *
     * @param workload      what was looped
     * @param plainMicros   median microseconds per statement with plain pgjdbc
     * @param guardedMicros median microseconds per statement through the guard
     * @param ratio         median of the per-round ratios guarded/plain
     * @param ratioP10      10th percentile of the per-round ratios
     * @param ratioP90      90th percentile of the per-round ratios
     * @param rounds        rounds measured
     */
    public record Row(String workload, double plainMicros, double guardedMicros, double ratio, double ratioP10,
                      double ratioP90, int rounds) {
        /** The row as a line of the printed table. */
        public String format() {
            return String.format(Locale.ROOT, "%-34s %10.1f %10.1f %8.3f %8.3f-%5.3f %6d", workload, plainMicros,
                    guardedMicros, ratio, ratioP10, ratioP90, rounds);
        }
    }

    /** The header line matching {@link Row#format()}. */
    public static final String HEADER = String.format(Locale.ROOT, "%-34s %10s %10s %8s %14s %6s", "workload",
            "plain µs", "guard µs", "ratio", "p10-p90", "rounds");

    private static final int CHUNK = 50;

    private interface Loop {
        void once(Connection c, int i) throws SQLException;
    }

    private GuardOverheadBenchmark() {
    }

    /** Runs on a private server and prints the table. @throws Exception when the server cannot be set up */
    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 40;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
        try (PostgresServer server = PostgresServer.builder().start()) {
            System.out.printf(Locale.ROOT, "PostgreSQL %d, %d rounds of %d statements per connection%n",
                    server.majorVersion(), rounds, batch);
            System.out.println(HEADER);
            for (Row row : run(server, rounds, batch)) {
                System.out.println(row.format());
            }
        }
    }

    /**
     * Measures both workloads on a server.
     *
     * @throws SQLException when a connection or statement fails
     */
    public static List<Row> run(PostgresServer server, int rounds, int batch) throws SQLException {
        Properties login = new Properties();
        login.setProperty("user", PostgresServer.SUPERUSER);
        login.setProperty("password", server.password());
        try (Connection plain = DriverManager.getConnection(server.jdbcUrl(), login);
             Connection guarded = DriverManager.getConnection(
                     "jdbc:lockwarden:" + server.jdbcUrl().substring("jdbc:".length()), login)) {
            List<Row> rows = new ArrayList<>();
            rows.add(measure("simple query (SELECT ?::int)", plain, guarded, rounds, batch, (c, i) -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT ?::int")) {
                    ps.setInt(1, i);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        rs.getInt(1);
                    }
                }
            }));
            rows.add(measure("lock/unlock (pg_advisory_[un]lock)", plain, guarded, rounds, batch, (c, i) -> {
                try (PreparedStatement ps = c.prepareStatement(i % 2 == 0 ? "SELECT pg_advisory_lock(?)"
                        : "SELECT pg_advisory_unlock(?)")) {
                    ps.setLong(1, 4242);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                    }
                }
            }));
            return rows;
        }
    }

    private static Row measure(String name, Connection plain, Connection guarded, int rounds, int batch, Loop loop)
            throws SQLException {
        time(plain, batch, loop); // warm up both paths (JIT, server plan cache)
        time(guarded, batch, loop);
        double[] p = new double[rounds];
        double[] g = new double[rounds];
        double[] ratio = new double[rounds];
        int chunks = Math.max(1, batch / CHUNK);
        for (int r = 0; r < rounds; r++) {
            // alternate small chunks, so that both sides see the same moments of a noisy shared machine
            for (int k = 0; k < chunks; k++) {
                if ((r + k) % 2 == 0) {
                    p[r] += time(plain, CHUNK, loop);
                    g[r] += time(guarded, CHUNK, loop);
                } else {
                    g[r] += time(guarded, CHUNK, loop);
                    p[r] += time(plain, CHUNK, loop);
                }
            }
            p[r] /= chunks;
            g[r] /= chunks;
            ratio[r] = g[r] / p[r];
        }
        return new Row(name, percentile(p, 50), percentile(g, 50), percentile(ratio, 50), percentile(ratio, 10),
                percentile(ratio, 90), rounds);
    }

    /** Microseconds per statement over {@code count} statements (made even, so that every lock is unlocked). */
    private static double time(Connection c, int count, Loop loop) throws SQLException {
        int n = count + (count % 2);
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            loop.once(c, i);
        }
        return (System.nanoTime() - start) / 1e3 / n;
    }

    private static double percentile(double[] values, int pct) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int i = (int) Math.round((pct / 100.0) * (sorted.length - 1));
        return sorted[i];
    }
}
