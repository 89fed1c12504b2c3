package io.lockwarden.bench;

import io.lockwarden.scan.ScanResult;
import io.lockwarden.scan.Scanner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Throughput of {@link Scanner} on a generated Java tree of at least one million lines, next to the time
 * {@code grep -r pg_advisory} takes on the same tree in the same run (the I/O floor). Three trees: a
 * realistic one (1 file in 20 uses advisory locks, the rest is ordinary service code); every file with a
 * lock method, so every file is parsed (irrelevant methods are sliced away first); and a dense one where
 * every method of every file runs lock SQL, so nothing can be sliced and JavaParser sees every line.
 *
 * <p>Run: {@code mvn -q -pl bench -am exec:java -Dexec.mainClass=io.lockwarden.bench.ScanThroughputBenchmark}.
 * Optional arguments: target lines (default 1,000,000), repetitions (default 3), threads (default all cores).
 */
public final class ScanThroughputBenchmark {
    private ScanThroughputBenchmark() {
    }

    /** Generates the trees, measures, prints one line per repetition and a summary; deletes the trees. */
    public static void main(String[] args) throws Exception {
        long targetLines = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000L;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : Runtime.getRuntime().availableProcessors();
        System.out.printf("scan throughput: target %,d lines, %d repetitions, %d threads%n", targetLines, reps, threads);
        for (int every : new int[] {20, 1, 0}) {
            Path root = Files.createTempDirectory("lockwarden-scan-bench");
            try {
                long lines = generate(root, targetLines, every);
                String label = every == 0 ? "dense (every method runs lock SQL, nothing sliced)"
                        : every == 1 ? "every file parsed" : "realistic (1 file in " + every + " locks)";
                Scanner scanner = Scanner.builder().baseDirectory(root).threads(threads).build();
                scanner.scan(List.of(root)); // warm-up: JIT and page cache
                grep(root);
                List<Double> rates = new ArrayList<>();
                List<Double> ratios = new ArrayList<>();
                for (int r = 1; r <= reps; r++) {
                    long t0 = System.nanoTime();
                    ScanResult res = scanner.scan(List.of(root));
                    double scanS = (System.nanoTime() - t0) / 1e9;
                    double grepS = grep(root);
                    double rate = res.linesScanned() / scanS;
                    rates.add(rate);
                    ratios.add(scanS / grepS);
                    System.out.printf("  %s rep %d: %,d lines, %,d findings, scan %.3f s = %,.0f lines/s; "
                            + "grep -r pg_advisory %.3f s; scan/grep time ratio %.1f%n", label, r,
                            res.linesScanned(), res.findings().size(), scanS, rate, grepS, scanS / grepS);
                }
                rates.sort(Comparator.naturalOrder());
                ratios.sort(Comparator.naturalOrder());
                System.out.printf("%s: %,d lines; median %,.0f lines/s (target 200,000); median scan/grep ratio %.1f%n",
                        label, lines, rates.get(rates.size() / 2), ratios.get(ratios.size() / 2));
            } finally {
                delete(root);
            }
        }
    }

    private static double grep(Path root) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder("grep", "-r", "-c", "pg_advisory", root.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        p.waitFor();
        return (System.nanoTime() - t0) / 1e9;
    }

    private static long generate(Path root, long targetLines, int lockEvery) throws IOException {
        long lines = 0;
        int i = 0;
        while (lines < targetLines) {
            Path dir = root.resolve("src/main/java/com/example/module" + (i / 200));
            Files.createDirectories(dir);
            String text = javaFile(i, lockEvery == 0 || i % lockEvery == 0, lockEvery == 0);
            Files.writeString(dir.resolve("Service" + i + ".java"), text);
            lines += text.lines().count();
            i++;
        }
        return lines;
    }

    private static String javaFile(int n, boolean locks, boolean dense) {
        StringBuilder b = new StringBuilder();
        b.append("package com.example.module").append(n / 200).append(";\n\n");
        b.append("import java.sql.Connection;\nimport java.sql.PreparedStatement;\nimport java.sql.ResultSet;\n");
        b.append("import java.sql.SQLException;\nimport java.util.ArrayList;\nimport java.util.List;\n\n");
        b.append("/** Generated service ").append(n).append(". */\npublic class Service").append(n).append(" {\n");
        b.append("    private static final String FIND = \"SELECT id, name, amount FROM orders WHERE customer = ?\";\n");
        if (locks) {
            b.append("    private static final String LOCK = \"SELECT pg_advisory_lock(?)\";\n");
            b.append("    private static final String UNLOCK = \"SELECT pg_advisory_unlock(?)\";\n\n");
            b.append("    void exclusive(Connection c, long key) throws SQLException {\n");
            b.append("        try (PreparedStatement ps = c.prepareStatement(LOCK)) {\n");
            b.append("            ps.setLong(1, key);\n            ps.executeQuery();\n        }\n");
            b.append("        try {\n            process(c, key);\n        } finally {\n");
            b.append("            try (PreparedStatement ps = c.prepareStatement(UNLOCK)) {\n");
            b.append("                ps.setLong(1, key);\n");
            b.append("                try (ResultSet rs = ps.executeQuery()) {\n");
            b.append("                    if (!rs.next() || !rs.getBoolean(1)) {\n");
            b.append("                        throw new IllegalStateException(\"not held: \" + key);\n");
            b.append("                    }\n                }\n            }\n        }\n    }\n\n");
        }
        for (int m = 0; m < 12; m++) {
            b.append("    /** Loads orders of a customer, variant ").append(m).append(". */\n");
            b.append("    public List<String> load").append(m).append("(Connection c, long customer) throws SQLException {\n");
            b.append("        List<String> out = new ArrayList<>();\n");
            if (dense) {
                b.append("        try (PreparedStatement lock = c.prepareStatement(LOCK)) {\n");
                b.append("            lock.setLong(1, customer);\n            lock.executeQuery();\n        }\n");
            }
            b.append("        try (PreparedStatement ps = c.prepareStatement(FIND)) {\n");
            b.append("            ps.setLong(1, customer);\n");
            b.append("            try (ResultSet rs = ps.executeQuery()) {\n");
            b.append("                while (rs.next()) {\n");
            b.append("                    String name = rs.getString(2);\n");
            b.append("                    if (name != null && !name.isBlank()) {\n");
            b.append("                        out.add(rs.getLong(1) + \":\" + name.trim() + \":\" + rs.getBigDecimal(3));\n");
            b.append("                    }\n                }\n            }\n        }\n");
            b.append("        return out;\n    }\n\n");
        }
        b.append("    void process(Connection c, long key) {\n    }\n}\n");
        return b.toString();
    }

    private static void delete(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
