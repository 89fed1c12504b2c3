package io.lockwarden.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * {@code lockwarden postmortem} against {@code grep -c advisory} on the same generated stderr log (default 400 MB),
 * each as its own process timed by {@code /usr/bin/time} (JVM start included), both writing their output to a file
 * (GNU grep stops at the first match when its output is {@code /dev/null}). Prints per repetition both times, the
 * ratio (target: 4 or less), postmortem's peak resident set (target: under 512 MB), and both CPU times (user +
 * system; on a loaded machine the wall-clock ratio says little, the CPU times say more). The log is realistic
 * traffic: statements and durations, connections and disconnections, checkpoints, multi-line statements, errors
 * with DETAIL and STATEMENT, and one record in 1,000 a lock incident (a wait with DETAIL and STATEMENT, then an
 * acquisition, a lock timeout or a termination). Files are deleted afterwards.
 *
 * <p>Run on an idle machine: {@code mvn -q -pl bench -am package -DskipTests -Ppostmortem-vs-grep}, or with
 * exec:java and the arguments bytes (default 400,000,000) and repetitions (default 3).
 */
public final class PostmortemVsGrepBenchmark {
    private PostmortemVsGrepBenchmark() {
    }

    /** Generates, measures, prints, deletes. */
    public static void main(String[] args) throws Exception {
        long bytes = args.length > 0 ? Long.parseLong(args[0]) : 400_000_000L;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path dir = Files.createTempDirectory("lockwarden-postmortem-vs-grep");
        try {
            Path log = dir.resolve("postgresql.log");
            long[] counts = generate(log, bytes);
            System.out.printf("log: %,d bytes, %,d lines, %,d lock incidents; load average %s%n", Files.size(log),
                    counts[0], counts[1], Files.readString(Path.of("/proc/loadavg")).trim());
            run(dir, "grep", "-c", "advisory", log.toString()); // page cache warm-up
            System.out.println("rep  grep -c s  postmortem s  ratio  postmortem peak RSS MB  grep CPU s  postmortem CPU s");
            for (int r = 1; r <= reps; r++) {
                double[] grep = run(dir, "grep", "-c", "advisory", log.toString());
                double[] pm = run(dir, java(), "-cp", classpath(), "io.lockwarden.cli.Main", "postmortem",
                        log.toString(), "-o", dir.resolve("report.txt").toString());
                System.out.printf("%3d  %9.2f  %12.2f  %5.1f  %22.0f  %10.2f  %16.2f%n", r, grep[0], pm[0],
                        pm[0] / grep[0], pm[1] / 1024, grep[2], pm[2]);
            }
            System.out.println("report head:");
            Files.readAllLines(dir.resolve("report.txt")).stream().limit(12).forEach(l -> System.out.println("  " + l));
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    /**
     * Runs a command under /usr/bin/time with its output to a file; returns {elapsed seconds, max RSS KB, CPU
     * seconds (user + system)}.
     */
    private static double[] run(Path dir, String... command) throws Exception {
        Path times = dir.resolve("time.txt");
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/time", "-f", "%e %M %U %S", "-o", times.toString()));
        cmd.addAll(List.of(command));
        Process p = new ProcessBuilder(cmd).redirectOutput(dir.resolve("out.txt").toFile())
                .redirectError(dir.resolve("err.txt").toFile()).start();
        if (!p.waitFor(30, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " did not finish in 30 minutes");
        }
        String[] t = Files.readAllLines(times).get(Files.readAllLines(times).size() - 1).trim().split(" ");
        return new double[] {Double.parseDouble(t[0]), Double.parseDouble(t[1]),
            Double.parseDouble(t[2]) + Double.parseDouble(t[3])};
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static String classpath() {
        ClassLoader cl = PostmortemVsGrepBenchmark.class.getClassLoader();
        if (cl instanceof URLClassLoader u && u.getURLs().length > 1) {
            List<String> parts = new ArrayList<>();
            for (URL url : u.getURLs()) {
                parts.add(Path.of(java.net.URI.create(url.toString())).toString());
            }
            return String.join(java.io.File.pathSeparator, parts);
        }
        return System.getProperty("java.class.path");
    }

    /** Writes about {@code bytes} of log; returns {lines, lock incidents}. */
    static long[] generate(Path log, long bytes) throws IOException {
        Random rnd = new Random(42);
        long lines = 0;
        long incidents = 0;
        long written = 0;
        long ms = 0;
        String[] statements = {"SELECT id, status FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 20",
            "UPDATE accounts SET balance = balance - $1 WHERE id = $2", "INSERT INTO events (kind, payload) VALUES "
                + "($1, $2)", "COMMIT", "BEGIN", "SELECT pg_advisory_xact_lock($1)"};
        try (BufferedWriter w = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
            StringBuilder sb = new StringBuilder(1024);
            while (written < bytes) {
                sb.setLength(0);
                ms += rnd.nextInt(5);
                String time = String.format("2026-12-01 %02d:%02d:%02d.%03d UTC", (ms / 3_600_000) % 24,
                        (ms / 60_000) % 60, (ms / 1000) % 60, ms % 1000);
                int pid = 10_000 + rnd.nextInt(500);
                String p = time + " [" + pid + "] app@shop ";
                int kind = rnd.nextInt(1000);
                if (kind == 0) {
                    int holder = 20_000 + rnd.nextInt(50);
                    long key = 1000 + rnd.nextInt(20);
                    sb.append(p).append("LOG:  process ").append(pid).append(" still waiting for ExclusiveLock on "
                            + "advisory lock [16384,0,").append(key).append(",1] after 1000.052 ms\n");
                    sb.append(p).append("DETAIL:  Process holding the lock: ").append(holder).append(". Wait queue: ")
                            .append(pid).append(".\n");
                    sb.append(p).append("STATEMENT:  SELECT pg_advisory_lock(").append(key).append(")\n");
                    lines += 3;
                    switch (rnd.nextInt(3)) {
                        case 0 -> sb.append(p).append("LOG:  process ").append(pid).append(" acquired ExclusiveLock on "
                                + "advisory lock [16384,0,").append(key).append(",1] after 1500.104 ms\n");
                        case 1 -> {
                            sb.append(p).append("ERROR:  canceling statement due to lock timeout\n");
                            sb.append(p).append("STATEMENT:  SELECT pg_advisory_lock(").append(key).append(")\n");
                            lines++;
                        }
                        default -> sb.append(time).append(" [").append(holder).append("] app@shop FATAL:  terminating "
                                + "connection due to administrator command\n");
                    }
                    lines++;
                    incidents++;
                } else if (kind < 700) {
                    sb.append(p).append("LOG:  duration: ").append(rnd.nextInt(900)).append('.')
                            .append(rnd.nextInt(1000)).append(" ms  statement: ")
                            .append(statements[rnd.nextInt(statements.length)]).append('\n');
                    lines++;
                } else if (kind < 800) {
                    sb.append(time).append(" [").append(pid).append("] LOG:  connection received: host=10.1.")
                            .append(rnd.nextInt(255)).append('.').append(rnd.nextInt(255)).append(" port=")
                            .append(30_000 + rnd.nextInt(30_000)).append('\n');
                    sb.append(p).append("LOG:  connection authorized: user=app database=shop application_name=web\n");
                    lines += 2;
                } else if (kind < 900) {
                    sb.append(p).append("LOG:  disconnection: session time: 0:00:0").append(rnd.nextInt(10))
                            .append(".").append(rnd.nextInt(1000)).append(" user=app database=shop host=10.1.2.3 "
                                    + "port=40000\n");
                    lines++;
                } else if (kind < 960) {
                    sb.append(p).append("LOG:  statement: WITH recent AS (\n\t\tSELECT id FROM orders\n\t\tWHERE "
                            + "created_at > now() - interval '1 day'\n\t)\n\tSELECT count(*) FROM recent\n");
                    lines += 6;
                } else if (kind < 990) {
                    sb.append(p).append("ERROR:  duplicate key value violates unique constraint \"orders_pkey\"\n");
                    sb.append(p).append("DETAIL:  Key (id)=(").append(rnd.nextInt(1_000_000)).append(") already "
                            + "exists.\n");
                    sb.append(p).append("STATEMENT:  INSERT INTO orders (id, customer_id) VALUES ($1, $2)\n");
                    lines += 3;
                } else {
                    sb.append(time).append(" [").append(1_000 + rnd.nextInt(5)).append("] LOG:  checkpoint complete: "
                            + "wrote ").append(rnd.nextInt(5000)).append(" buffers (1.2%); 0 WAL file(s) added, 0 "
                            + "removed, 1 recycled; write=26.9 s, sync=0.001 s, total=26.9 s\n");
                    lines++;
                }
                w.append(sb);
                written += sb.length();
            }
        }
        return new long[] {lines, incidents};
    }
}
