package io.lockwarden.bench.locks;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * All lock benchmarks of issue 13 in one run, printed as one table: overhead per protected unit,
 * session locks, contention against Spring Integration's {@code JdbcLockRegistry}, ShedLock and
 * {@code SELECT ... FOR UPDATE}, hand-off latency against client-side polling, leader heartbeat cost and
 * lost-lock detection, and the JDBC guard's per-statement overhead.
 *
 * <p>Run: {@code mvn -q -pl bench -am package -DskipTests -Plocks} (a fresh JVM, as an application
 * would run). System properties, passed through from the mvn command line:
 * {@code locks.only=overhead,contention} (only sections whose name contains one of the words),
 * {@code locks.quick=true} (a smoke run), {@code lockwarden.pg.version=14}.
 * A program, not a library; not thread-safe.
 */
public final class LockBenchmarks {
    /** Every section, in run order. A new benchmark (e.g. the JDBC guard's) is one more line here. */
    private static final List<LockBenchmark> SECTIONS = List.of(
            new OverheadBenchmark(),
            new SessionLockBenchmark(),
            new ContentionBenchmark(),
            new HandoffBenchmark(),
            new GuardBenchmark(),
            new LeaderBenchmark()); // last: it terminates pooled backends

    private LockBenchmarks() {
    }

    /**
     * Runs the selected sections and prints the table to stdout (progress goes to stderr).
     *
     * @param args ignored; see the class comment for the system properties
     * @throws Exception when the server cannot be set up or a benchmark fails
     */
    public static void main(String[] args) throws Exception {
        Scale scale = Boolean.getBoolean("locks.quick") ? Scale.quick() : Scale.full();
        List<String> only = Arrays.stream(System.getProperty("locks.only", "").split(","))
                .map(String::strip).filter(s -> !s.isEmpty()).toList();
        ResultTable table = new ResultTable();
        long start = System.nanoTime();
        String version;
        try (BenchDatabase db = new BenchDatabase(Integer.getInteger("lockwarden.pg.version", 18))) {
            version = db.version;
            for (LockBenchmark b : SECTIONS) {
                if (!only.isEmpty() && only.stream().noneMatch(w -> b.name().contains(w))) {
                    continue;
                }
                System.err.println("running " + b.name() + " ...");
                db.reset();
                b.run(db, table, scale);
            }
        }
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        out.printf(Locale.ROOT, "Lockwarden lock benchmarks, %s, PostgreSQL %s, %d cores, load average at end %s, %s, %.0f s%n",
                Instant.now(), version, Runtime.getRuntime().availableProcessors(), loadAverage(),
                scale.equals(Scale.full()) ? "full scale" : "scale " + scale, (System.nanoTime() - start) / 1e9);
        table.print(out);
    }

    private static String loadAverage() {
        double load = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        return String.format(Locale.ROOT, "%.1f", load);
    }
}
