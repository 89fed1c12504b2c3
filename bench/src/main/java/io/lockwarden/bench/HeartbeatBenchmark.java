package io.lockwarden.bench;

import io.lockwarden.AdvisoryLocks;
import io.lockwarden.LeaderLock;
import io.lockwarden.LockKey;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What one leader heartbeat costs with 100,000 other advisory locks held on the server, as a ratio
 * against the same heartbeat with an empty lock table, in one process on a private PostgreSQL. The
 * heartbeat is {@link LeaderLock#verifyHeld()} (one round trip, the statement the scheduled heartbeat
 * sends). For comparison, the proof it replaced ({@code EXISTS} over {@code pg_locks} for this backend
 * and key) is timed the same way on the same server.
 *
 * <p>Run: {@code mvn -q -pl bench -am package -DskipTests -Pheartbeat}. Arguments: {@code [beats]
 * [major version]}, default 400 and 18. A program, not a library; not thread-safe.
 */
public final class HeartbeatBenchmark {
    private static final int SESSIONS = 500;
    private static final int LOCKS_PER_SESSION = 200;

    private HeartbeatBenchmark() {
    }

    /** Runs both phases and prints the table. @throws Exception when the server cannot be set up */
    public static void main(String[] args) throws Exception {
        int beats = args.length > 0 ? Integer.parseInt(args[0]) : 400;
        int version = args.length > 1 ? Integer.parseInt(args[1]) : PostgresServer.DEFAULT_VERSION;
        try (PostgresServer server = PostgresServer.builder().version(version)
                .setting("max_connections", "800").setting("max_locks_per_transaction", "512").start()) {
            AdvisoryLocks locks = AdvisoryLocks.builder(server.dataSource()).heartbeat(Duration.ofMinutes(1))
                    .vanishedClientTimeout(Duration.ZERO).build();
            LockKey key = LockKey.named("bench", "heartbeat");
            try (LeaderLock leader = locks.holdLeader(key, Duration.ofSeconds(5), lost -> { });
                 Connection probe = server.connect("bench-old-proof")) {
                double[] emptyNow = time(beats, leader::verifyHeld);
                double[] emptyOld = time(beats, () -> oldProof(probe, leader.pid(), key));
                List<Connection> holders = fill(server);
                try {
                    double[] fullNow = time(beats, leader::verifyHeld);
                    double[] fullOld = time(beats, () -> oldProof(probe, leader.pid(), key));
                    System.out.printf(Locale.ROOT, "PostgreSQL %d, %d beats each, median ms%n", version, beats);
                    System.out.printf(Locale.ROOT, "%-34s %12s %14s %7s%n", "heartbeat", "empty table",
                            (SESSIONS * LOCKS_PER_SESSION) + " locks", "ratio");
                    row("verifyHeld (pid + transaction)", emptyNow, fullNow);
                    row("old proof (EXISTS over pg_locks)", emptyOld, fullOld);
                } finally {
                    for (Connection c : holders) {
                        c.close();
                    }
                }
            }
        }
    }

    private static void row(String name, double[] empty, double[] full) {
        double e = median(empty);
        double f = median(full);
        System.out.printf(Locale.ROOT, "%-34s %12.3f %14.3f %6.2fx%n", name, e, f, f / e);
    }

    private static List<Connection> fill(PostgresServer server) throws Exception {
        List<Connection> holders = new ArrayList<>();
        for (int i = 0; i < SESSIONS; i++) {
            Connection c = server.connect("bench-holder-" + i);
            try (Statement st = c.createStatement()) {
                st.execute("SELECT count(pg_advisory_lock(" + i + "::bigint * 1000000 + k)) FROM generate_series(0, "
                        + (LOCKS_PER_SESSION - 1) + ") k");
            }
            holders.add(c);
        }
        return holders;
    }

    private static void oldProof(Connection c, int pid, LockKey key) {
        try (PreparedStatement ps = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = "
                + "'advisory' AND pid = ? AND granted AND mode = 'ExclusiveLock' AND classid = ?::bigint::oid "
                + "AND objid = ?::bigint::oid AND objsubid = ?)")) {
            ps.setInt(1, pid);
            ps.setLong(2, key.classid());
            ps.setLong(3, key.objid());
            ps.setInt(4, key.objsubid());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    throw new IllegalStateException("the leader lock is not in pg_locks");
                }
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static double[] time(int n, Runnable beat) {
        for (int i = 0; i < n; i++) {
            beat.run();
        }
        double[] ms = new double[n];
        for (int i = 0; i < n; i++) {
            long t = System.nanoTime();
            beat.run();
            ms[i] = (System.nanoTime() - t) / 1e6;
        }
        return ms;
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v[v.length / 2];
    }
}
