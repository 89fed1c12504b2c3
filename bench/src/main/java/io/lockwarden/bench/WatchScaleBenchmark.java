package io.lockwarden.bench;

import io.lockwarden.inspect.Inspector;
import io.lockwarden.testkit.fixture.PostgresServer;
import io.lockwarden.watch.TargetConfig;
import io.lockwarden.watch.WatchConfig;
import io.lockwarden.watch.Watchdog;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * Scale run for {@code lockwarden watch}, on a private PostgreSQL:
 * <ol>
 *   <li>one target with 500 sessions holding 100,000 advisory locks: a full watchdog sample (snapshot, all
 *       rules, hold tracking, metrics) against a bare {@code SELECT * FROM pg_locks WHERE locktype = 'advisory'}
 *       read to the last column, alternating, medians and their ratio; and the watchdog's retained heap at
 *       that scale (after GC, with 100,000 holds tracked);</li>
 *   <li>50 targets (databases, 5 sessions x 20 locks each) on one watchdog: JVM CPU time per target sample and
 *       the wall time of one round of all 50, which is the shortest interval it sustains.</li>
 * </ol>
 *
 * <p>Run: {@code mvn -q -pl bench -am package -DskipTests -Pwatch-scale}. Arguments: {@code [repetitions]
 * [major version] [parts]}, default 15, 18 and {@code one,many}. A program, not a library; not thread-safe.
 */
public final class WatchScaleBenchmark {
    private static final int SESSIONS = 500;
    private static final int LOCKS_PER_SESSION = 200;
    private static final int DATABASES = 50;

    private WatchScaleBenchmark() {
    }

    /** Runs both parts and prints the figures. @throws Exception when the server cannot be set up */
    public static void main(String[] args) throws Exception {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        int version = args.length > 1 ? Integer.parseInt(args[1]) : PostgresServer.DEFAULT_VERSION;
        String parts = args.length > 2 ? args[2] : "one,many";
        Path dir = Files.createTempDirectory("lockwarden-watch-bench");
        try (PostgresServer server = PostgresServer.builder().version(version)
                .setting("max_connections", "800").setting("max_locks_per_transaction", "512").start()) {
            Path secret = dir.resolve("password");
            Files.writeString(secret, server.password());
            if (parts.contains("one")) {
                oneLargeTarget(server, secret, reps);
            }
            if (parts.contains("many")) {
                manyTargets(server, secret, reps);
            }
        }
    }

    private static void oneLargeTarget(PostgresServer server, Path secret, int reps) throws Exception {
        List<Connection> holders = new ArrayList<>();
        try {
            for (int i = 0; i < SESSIONS; i++) {
                Connection c = server.connect("bench-holder-" + i);
                try (Statement st = c.createStatement()) {
                    st.execute("SELECT count(pg_advisory_lock(" + i + "::bigint * 1000000 + k)) FROM generate_series(0, "
                            + (LOCKS_PER_SESSION - 1) + ") k");
                }
                holders.add(c);
            }
            long heapBefore = usedHeapAfterGc();
            TargetConfig t = TargetConfig.of("big", server.jdbcUrl(), PostgresServer.SUPERUSER,
                    new TargetConfig.Secret(null, secret));
            try (Watchdog w = Watchdog.builder(WatchConfig.of(t, 0)).scheduled(false).start();
                 Connection reader = server.connect("bench-reader")) {
                double[] bare = new double[reps];
                double[] sample = new double[reps];
                double[] diagnose = new double[reps];
                Inspector inspector = Inspector.builder().statements(false).build();
                for (int i = -5; i < reps; i++) {
                    long t0 = System.nanoTime();
                    int rows = Baseline.pgLocksRead(reader);
                    long t1 = System.nanoTime();
                    w.sampleNow();
                    long t2 = System.nanoTime();
                    inspector.diagnose(inspector.snapshot(reader));
                    long t3 = System.nanoTime();
                    if (rows != SESSIONS * LOCKS_PER_SESSION || !w.up("big")) {
                        throw new IllegalStateException("expected " + SESSIONS * LOCKS_PER_SESSION + " locks, saw "
                                + rows + "; target up: " + w.up("big"));
                    }
                    if (i >= 0) {
                        bare[i] = (t1 - t0) / 1e6;
                        sample[i] = (t2 - t1) / 1e6;
                        diagnose[i] = (t3 - t2) / 1e6;
                    }
                }
                long heapAfter = usedHeapAfterGc();
                double b = Baseline.median(bare);
                double s = Baseline.median(sample);
                System.out.printf(Locale.ROOT, "PostgreSQL %d, %d sessions, %d held locks, %d repetitions (medians)%n",
                        server.majorVersion(), SESSIONS, SESSIONS * LOCKS_PER_SESSION, reps);
                System.out.printf(Locale.ROOT, "  bare pg_locks read %8.1f ms%n  watchdog sample    %8.1f ms  "
                        + "ratio %.2fx%n  (diagnose alone  %8.1f ms  ratio %.2fx)%n", b, s, s / b, Baseline.median(diagnose),
                        Baseline.median(diagnose) / b);
                System.out.printf(Locale.ROOT, "  retained heap of the watchdog at this scale: %.1f MiB%n",
                        (heapAfter - heapBefore) / 1048576.0);
            }
        } finally {
            for (Connection c : holders) {
                c.close();
            }
        }
    }

    private static void manyTargets(PostgresServer server, Path secret, int reps) throws Exception {
        List<Connection> holders = new ArrayList<>();
        List<TargetConfig> targets = new ArrayList<>();
        try (Connection admin = server.connect()) {
            for (int d = 0; d < DATABASES; d++) {
                try (Statement st = admin.createStatement()) {
                    st.execute("CREATE DATABASE bench_" + d);
                }
                for (int s = 0; s < 5; s++) {
                    Properties p = new Properties();
                    p.setProperty("user", PostgresServer.SUPERUSER);
                    p.setProperty("password", server.password());
                    Connection c = DriverManager.getConnection(server.jdbcUrl("bench_" + d), p);
                    try (Statement st = c.createStatement()) {
                        st.execute("SELECT count(pg_advisory_lock(" + s + "::bigint * 1000 + k)) FROM generate_series(0, 19) k");
                    }
                    holders.add(c);
                }
                targets.add(TargetConfig.of("db" + d, server.jdbcUrl("bench_" + d), PostgresServer.SUPERUSER,
                        new TargetConfig.Secret(null, secret)));
            }
            WatchConfig config = new WatchConfig(Duration.ofSeconds(10), 4, null, 0, null, null, null, targets);
            com.sun.management.OperatingSystemMXBean os =
                    (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            try (Watchdog w = Watchdog.builder(config).scheduled(false).start()) {
                double[] cpu = new double[reps];
                double[] wall = new double[reps];
                for (int i = -3; i < reps; i++) {
                    long c0 = os.getProcessCpuTime();
                    long t0 = System.nanoTime();
                    w.sampleNow();
                    long t1 = System.nanoTime();
                    long c1 = os.getProcessCpuTime();
                    for (TargetConfig t : targets) {
                        if (!w.up(t.name())) {
                            throw new IllegalStateException("target " + t.name() + " is down");
                        }
                    }
                    if (i >= 0) {
                        cpu[i] = (c1 - c0) / 1e6 / DATABASES;
                        wall[i] = (t1 - t0) / 1e6;
                    }
                }
                double round = Baseline.median(wall);
                System.out.printf(Locale.ROOT, "%d targets (100 locks each), concurrency 4, %d rounds (medians)%n",
                        DATABASES, reps);
                System.out.printf(Locale.ROOT, "  watchdog JVM CPU per target sample %6.2f ms%n", Baseline.median(cpu));
                System.out.printf(Locale.ROOT, "  one round of all %d targets        %6.1f ms: sustains an interval down "
                        + "to ~%.1f s (10 s interval uses %.1f%% of one core in the JVM)%n", DATABASES, round,
                        Math.ceil(round / 100.0) / 10.0, Baseline.median(cpu) * DATABASES / 10_000.0 * 100);
            }
        } finally {
            for (Connection c : holders) {
                c.close();
            }
        }
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return rt.totalMemory() - rt.freeMemory();
    }
}
