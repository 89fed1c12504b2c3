package io.lockwarden.bench;

import io.lockwarden.postmortem.LogReader;
import io.lockwarden.postmortem.Postmortem;
import io.lockwarden.postmortem.Report;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Throughput of {@link Postmortem} on a generated stderr log (default 1 GB; realistic mix, 0.1% of lines lock
 * events), next to {@code grep -c 'advisory lock'} on the same file in the same run (the I/O floor) and to
 * pgBadger's time (on the whole file, or on a slice of it when the second argument is smaller, since pgBadger
 * needs minutes per GB). Reports the peak heap after the analysis, to show memory stays bounded. The file is
 * generated in a temporary directory and deleted afterwards.
 *
 * <p>Run: {@code mvn -q -pl bench -am package -DskipTests -Ppostmortem-throughput}, or with exec:java and
 * arguments: bytes (default 1,000,000,000), pgBadger slice bytes (default 100,000,000), repetitions (default 2).
 */
public final class PostmortemThroughputBenchmark {
    private PostmortemThroughputBenchmark() {
    }

    /** Generates, measures, prints, deletes. */
    public static void main(String[] args) throws Exception {
        long bytes = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000_000L;
        long slice = args.length > 1 ? Long.parseLong(args[1]) : 100_000_000L;
        int reps = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        Path dir = Files.createTempDirectory("lockwarden-postmortem-bench");
        try {
            Path log = dir.resolve("postgresql.log");
            long[] counts = generate(log, bytes);
            System.out.printf("generated %,d bytes, %,d lines, %,d lock events (%.2f%%)%n", Files.size(log), counts[0],
                    counts[1], 100.0 * counts[1] / counts[0]);
            grep(log); // page cache warm-up
            for (int r = 1; r <= reps; r++) {
                long t0 = System.nanoTime();
                Report report = Postmortem.builder().build().analyze(LogReader.builder().build(), List.of(log),
                        InputStream.nullInputStream());
                double pmS = (System.nanoTime() - t0) / 1e9;
                double grepS = grep(log);
                System.out.printf("rep %d: postmortem %.2f s = %.0f MB/s (%,d waits); grep -c 'advisory lock' %.2f s; "
                        + "postmortem/grep time ratio %.1f; peak heap used %d MB (max heap %d MB)%n", r, pmS,
                        Files.size(log) / 1e6 / pmS, report.summary().waits(), grepS, pmS / grepS, peakHeapMb(),
                        Runtime.getRuntime().maxMemory() >> 20);
            }
            Path part = dir.resolve("slice.log");
            copyPrefix(log, part, Math.min(slice, Files.size(log)));
            double pgbS = pgbadger(part, dir);
            long t0 = System.nanoTime();
            Postmortem.builder().build().analyze(LogReader.builder().build(), List.of(part), InputStream.nullInputStream());
            double pmS = (System.nanoTime() - t0) / 1e9;
            System.out.printf("pgbadger on %,d bytes: %.2f s = %.1f MB/s; postmortem on the same: %.2f s; "
                    + "pgbadger/postmortem time ratio %.1f%n", Files.size(part), pgbS, Files.size(part) / 1e6 / pgbS,
                    pmS, pgbS / pmS);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    private static long[] generate(Path log, long bytes) throws IOException {
        Random rnd = new Random(42);
        long lines = 0;
        long lockEvents = 0;
        long written = 0;
        long ms = 0;
        String[] statements = {"SELECT id, status FROM orders WHERE customer_id = 42 ORDER BY created_at DESC LIMIT 20",
            "UPDATE accounts SET balance = balance - 10 WHERE id = 7", "INSERT INTO events (kind, payload) VALUES "
                + "('click', '{\"page\": 3}')", "COMMIT", "BEGIN"};
        try (BufferedWriter w = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
            while (written < bytes) {
                ms += rnd.nextInt(5);
                String time = String.format("2026-12-01 %02d:%02d:%02d.%03d UTC", (ms / 3_600_000) % 24,
                        (ms / 60_000) % 60, (ms / 1000) % 60, ms % 1000);
                int pid = 10_000 + rnd.nextInt(500);
                StringBuilder sb = new StringBuilder(200);
                if (rnd.nextInt(1000) == 0) {
                    int waiter = pid;
                    int holderPid = 20_000 + rnd.nextInt(50);
                    long key = 1000 + rnd.nextInt(20);
                    String p = time + " [" + waiter + "] app@shop ";
                    sb.append(p).append("LOG:  process ").append(waiter).append(" still waiting for ExclusiveLock on "
                            + "advisory lock [16384,0,").append(key).append(",1] after 1000.052 ms\n");
                    sb.append(p).append("DETAIL:  Process holding the lock: ").append(holderPid).append(". Wait queue: ")
                            .append(waiter).append(".\n");
                    sb.append(p).append("STATEMENT:  SELECT pg_advisory_lock(").append(key).append(")\n");
                    sb.append(p).append("LOG:  process ").append(waiter).append(" acquired ExclusiveLock on advisory "
                            + "lock [16384,0,").append(key).append(",1] after 1500.104 ms\n");
                    lines += 4;
                    lockEvents += 2;
                } else {
                    sb.append(time).append(" [").append(pid).append("] app@shop LOG:  duration: ")
                            .append(rnd.nextInt(900)).append('.').append(rnd.nextInt(1000)).append(" ms  statement: ")
                            .append(statements[rnd.nextInt(statements.length)]).append('\n');
                    lines++;
                }
                w.write(sb.toString());
                written += sb.length();
            }
        }
        return new long[] {lines, lockEvents};
    }

    private static double grep(Path log) throws Exception {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder("grep", "-c", "advisory lock", log.toString()).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        p.waitFor();
        return (System.nanoTime() - t0) / 1e9;
    }

    private static double pgbadger(Path log, Path dir) throws Exception {
        Path out = dir.resolve("pgbadger.json");
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder("pgbadger", "-q", "-f", "stderr", "--prefix", "%m [%p] %q%u@%d ", "-x", "json",
                "--pid-dir", dir.toString(), "-o", out.toString(), log.toString()).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        if (!p.waitFor(1, TimeUnit.HOURS) || p.exitValue() != 0) {
            throw new IllegalStateException("pgbadger failed on " + log);
        }
        double s = (System.nanoTime() - t0) / 1e9;
        Files.deleteIfExists(out);
        return s;
    }

    private static void copyPrefix(Path from, Path to, long bytes) throws IOException {
        try (InputStream in = Files.newInputStream(from); OutputStream out = Files.newOutputStream(to)) {
            byte[] buf = new byte[1 << 16];
            long left = bytes;
            int n;
            while (left > 0 && (n = in.read(buf, 0, (int) Math.min(buf.length, left))) > 0) {
                out.write(buf, 0, n);
                left -= n;
            }
        }
    }

    private static long peakHeapMb() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak >> 20;
    }
}
