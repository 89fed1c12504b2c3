package io.lockwarden.bench;

import io.lockwarden.inspect.Diagnosis;
import io.lockwarden.inspect.Inspector;
import io.lockwarden.inspect.Snapshot;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Scale run for {@code lockwarden diagnose}: a private PostgreSQL with 500 sessions holding 25,000,
 * 50,000 and then 100,000 advisory locks; at each size, times a full diagnosis (snapshot, all rules, incidents)
 * against a bare {@code SELECT * FROM pg_locks WHERE locktype = 'advisory'} read to the last column,
 * both over the same open connection, alternating, several repetitions. Prints medians and the ratio.
 *
 * <p>Run: {@code mvn -q -pl bench -am package -DskipTests -Pdiagnose-scale} (or {@code exec:java} with
 * this main class). Arguments: {@code [sessions] [repetitions] [major version]}, default 500, 15 and 18
 * ({@code -Dexec.args="500 15 14"}). Not thread-safe;
 * a program, not a library.
 */
public final class DiagnoseScaleBenchmark {
    private static final int[] LOCKS_PER_SESSION_STEPS = {50, 100, 200};

    private DiagnoseScaleBenchmark() {
    }

    /** Runs the benchmark and prints a table. @throws Exception when the server cannot be set up */
    public static void main(String[] args) throws Exception {
        int sessions = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        int version = args.length > 2 ? Integer.parseInt(args[2]) : PostgresServer.DEFAULT_VERSION;
        try (PostgresServer server = PostgresServer.builder().version(version)
                .setting("max_connections", String.valueOf(sessions + 100))
                .setting("max_locks_per_transaction", "512")
                .start()) {
            List<Connection> holders = new ArrayList<>();
            try {
                for (int i = 0; i < sessions; i++) {
                    holders.add(server.connect("bench-holder-" + i));
                }
                Inspector inspector = Inspector.builder(server.dataSource()).statements(false).build();
                System.out.printf(Locale.ROOT, "PostgreSQL %d, %d sessions, %d repetitions (medians, ms)%n",
                        server.majorVersion(), sessions, reps);
                System.out.printf(Locale.ROOT, "%10s %12s %12s %12s %12s %8s%n", "locks", "bare read", "snapshot",
                        "rules", "diagnose", "ratio");
                int held = 0;
                try (Connection reader = server.connect("bench-reader")) {
                    for (int perSession : LOCKS_PER_SESSION_STEPS) {
                        for (int i = 0; i < sessions; i++) {
                            try (Statement st = holders.get(i).createStatement()) {
                                st.execute("SELECT count(pg_advisory_lock(" + i + "::bigint * 1000000 + k)) "
                                        + "FROM generate_series(" + held + ", " + (perSession - 1) + ") k");
                            }
                        }
                        held = perSession;
                        measure(inspector, reader, sessions * perSession, reps);
                    }
                }
            } finally {
                for (Connection c : holders) {
                    c.close();
                }
            }
        }
    }

    private static void measure(Inspector inspector, Connection reader, int expected, int reps) throws SQLException {
        int warmup = 10;
        double[] bare = new double[reps];
        double[] snap = new double[reps];
        double[] rules = new double[reps];
        double[] total = new double[reps];
        for (int i = -warmup; i < reps; i++) {
            long t0 = System.nanoTime();
            int rows = Baseline.pgLocksRead(reader);
            long t1 = System.nanoTime();
            Snapshot s = inspector.snapshot(reader);
            long t2 = System.nanoTime();
            Diagnosis diagnosis = inspector.diagnose(s); // rules and incidents, as lockwarden diagnose does
            long t3 = System.nanoTime();
            if (rows != expected || s.locks().size() != expected || diagnosis.findings().isEmpty()
                    || diagnosis.incidents().isEmpty()) {
                throw new IllegalStateException("expected " + expected + " locks, bare read saw " + rows
                        + ", snapshot saw " + s.locks().size());
            }
            if (i >= 0) {
                bare[i] = (t1 - t0) / 1e6;
                snap[i] = (t2 - t1) / 1e6;
                rules[i] = (t3 - t2) / 1e6;
                total[i] = (t3 - t1) / 1e6;
            }
        }
        double b = Baseline.median(bare);
        double d = Baseline.median(total);
        System.out.printf(Locale.ROOT, "%10d %12.1f %12.1f %12.1f %12.1f %7.2fx%n", expected, b, Baseline.median(snap),
                Baseline.median(rules), d, d / b);
    }
}
