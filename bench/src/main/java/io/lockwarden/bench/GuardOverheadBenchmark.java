package io.lockwarden.bench;

import io.lockwarden.guard.LockGuard;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * Per-statement cost of the JDBC guard against plain pgjdbc, on one physical connection in the same run: the
 * guarded side is that connection wrapped by {@code LockGuard.builder().wrap(Connection)}, the same per-statement
 * code the {@code jdbc:lockwarden:postgresql:} driver runs. Two workloads: a simple query loop (prepare, bind,
 * execute, read, close: the guard's text check and its forwarding are all it adds) and a lock/unlock loop
 * ({@code pg_advisory_lock(?)} then {@code pg_advisory_unlock(?)}, which the guard parses and tracks). Each round
 * alternates chunks of 50 statements plain and then guarded (so both see the same moments of a noisy machine); the
 * ratio is guarded/plain per round, reported as the median with the 10th-90th percentile spread across rounds;
 * the client thread's CPU time per statement is reported too (plain, guarded, ratio), the steadier signal of
 * what the guard itself costs when other processes share the machine.
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
     * @param plainMicros   median wall-clock microseconds per statement with plain pgjdbc
     * @param guardedMicros median wall-clock microseconds per statement through the guard
     * @param ratio         median of the per-round wall-clock ratios guarded/plain
     * @param ratioP10      10th percentile of the per-round wall-clock ratios
     * @param ratioP90      90th percentile of the per-round wall-clock ratios
     * @param plainCpu      median client-thread CPU microseconds per statement with plain pgjdbc
     * @param guardedCpu    median client-thread CPU microseconds per statement through the guard
     * @param cpuRatio      median of the per-round client CPU ratios guarded/plain (what the guard itself costs;
     *                      steadier than wall-clock time on a loaded machine)
     * @param rounds        rounds measured
     */
    public record Row(String workload, double plainMicros, double guardedMicros, double ratio, double ratioP10,
                      double ratioP90, double plainCpu, double guardedCpu, double cpuRatio, int rounds) {
        /** The row as a line of the printed table. */
        public String format() {
            return String.format(Locale.ROOT, "%-34s %9.1f %9.1f %7.3f %6.3f-%5.3f %9.1f %9.1f %7.3f %6d", workload,
                    plainMicros, guardedMicros, ratio, ratioP10, ratioP90, plainCpu, guardedCpu, cpuRatio, rounds);
        }
    }

    /** The header line matching {@link Row#format()}. */
    public static final String HEADER = String.format(Locale.ROOT, "%-34s %9s %9s %7s %12s %9s %9s %7s %6s",
            "workload", "plain µs", "guard µs", "ratio", "p10-p90", "plain cpu", "guard cpu", "cpu x", "rounds");

    private static final int CHUNK = 50;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

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
        // Both sides use one physical connection, so one backend process: two connections' round trips differ by
        // up to 3x on a 2-core machine depending on where the scheduler puts each backend relative to the client
        // thread, which swamped a 2% effect (ratios from 0.3 to 2.8 across identical runs).
        try (Connection plain = DriverManager.getConnection(server.jdbcUrl(), login)) {
            Connection guarded = LockGuard.builder().wrap(plain);
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
            rows.add(measure("simple query, Statement (SELECT 1)", plain, guarded, rounds, batch, (c, i) -> {
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT 1")) {
                    rs.next();
                    rs.getInt(1);
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
        double[] pCpu = new double[rounds];
        double[] gCpu = new double[rounds];
        double[] cpuRatio = new double[rounds];
        int chunks = Math.max(1, batch / CHUNK);
        for (int r = 0; r < rounds; r++) {
            // alternate small chunks, so that both sides see the same moments of a noisy shared machine
            for (int k = 0; k < chunks; k++) {
                boolean plainFirst = (r + k) % 2 == 0;
                double[] first = time(plainFirst ? plain : guarded, CHUNK, loop);
                double[] second = time(plainFirst ? guarded : plain, CHUNK, loop);
                double[] pt = plainFirst ? first : second;
                double[] gt = plainFirst ? second : first;
                p[r] += pt[0] / chunks;
                g[r] += gt[0] / chunks;
                pCpu[r] += pt[1] / chunks;
                gCpu[r] += gt[1] / chunks;
            }
            ratio[r] = g[r] / p[r];
            cpuRatio[r] = gCpu[r] / pCpu[r];
        }
        return new Row(name, percentile(p, 50), percentile(g, 50), percentile(ratio, 50), percentile(ratio, 10),
                percentile(ratio, 90), percentile(pCpu, 50), percentile(gCpu, 50), percentile(cpuRatio, 50), rounds);
    }

    /**
     * Wall-clock and client-thread CPU microseconds per statement over {@code count} statements (made even, so
     * that every lock is unlocked).
     */
    private static double[] time(Connection c, int count, Loop loop) throws SQLException {
        int n = count + (count % 2);
        long cpu = THREADS.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            loop.once(c, i);
        }
        long wall = System.nanoTime() - start;
        return new double[] {wall / 1e3 / n, (THREADS.getCurrentThreadCpuTime() - cpu) / 1e3 / n};
    }

    private static double percentile(double[] values, int pct) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int i = (int) Math.round((pct / 100.0) * (sorted.length - 1));
        return sorted[i];
    }
}
