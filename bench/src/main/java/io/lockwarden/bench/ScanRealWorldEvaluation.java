package io.lockwarden.bench;

import io.lockwarden.scan.Finding;
import io.lockwarden.scan.Notice;
import io.lockwarden.scan.ScanResult;
import io.lockwarden.scan.Scanner;
import io.lockwarden.scan.Severity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Measures {@code lockwarden scan} on the real-world evaluation set ({@code ../shared/scan-realworld}: public
 * code judged site by site in {@code expected.tsv}; never copied into the project). A finding within 4 lines
 * of a row counts for that row. Prints recall on {@code bug} rows per language and per rule that found them,
 * every missed bug row, every false alarm (an {@code error} finding on an {@code ok} row) and every warning on
 * an {@code ok} row.
 *
 * <p>Run from the project root: {@code mvn -q -pl bench -am package -DskipTests -Pscan-realworld}, or with the
 * set elsewhere: {@code -Dexec.args=/path/to/scan-realworld}. Without the set it says so and exits 0.
 */
public final class ScanRealWorldEvaluation {
    private static final int WINDOW = 4;

    private record Row(String file, int line, String verdict, String reason) {
        String language() {
            return file.substring(0, file.indexOf('/'));
        }
    }

    private ScanRealWorldEvaluation() {
    }

    /** Scans the set and prints the table; exits 0 (it measures, it does not judge). */
    public static void main(String[] args) throws IOException {
        Path root = args.length > 0 ? Path.of(args[0]) : locate();
        if (root == null || !Files.isRegularFile(root.resolve("expected.tsv"))) {
            System.out.println("scan-realworld: no evaluation set found (looked for ../shared/scan-realworld above "
                    + Path.of("").toAbsolutePath() + "); pass its path as the first argument");
            return;
        }
        root = root.toRealPath();
        List<Row> rows = new ArrayList<>();
        for (String l : Files.readAllLines(root.resolve("expected.tsv"), StandardCharsets.UTF_8)) {
            if (l.isBlank() || l.startsWith("#")) {
                continue;
            }
            String[] c = l.split("\t", -1);
            rows.add(new Row(c[0], Integer.parseInt(c[1].strip()), c[2].strip(), c.length > 3 ? c[3] : ""));
        }
        long t0 = System.nanoTime();
        ScanResult r = Scanner.builder().baseDirectory(root).build().scan(List.of(root));
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<String, List<Finding>> byFile = r.findings().stream().collect(Collectors.groupingBy(Finding::path));

        Map<String, int[]> perLanguage = new TreeMap<>(); // {found, bugs, falseAlarms, okRows}
        Map<String, Integer> perRule = new TreeMap<>();
        List<String> misses = new ArrayList<>();
        List<String> falseAlarms = new ArrayList<>();
        List<String> okWarnings = new ArrayList<>();
        int found = 0;
        int bugs = 0;
        for (Row row : rows) {
            List<Finding> near = byFile.getOrDefault(row.file(), List.of()).stream()
                    .filter(f -> Math.abs(f.line() - row.line()) <= WINDOW).toList();
            int[] lang = perLanguage.computeIfAbsent(row.language(), k -> new int[4]);
            switch (row.verdict()) {
                case "bug" -> {
                    bugs++;
                    lang[1]++;
                    if (near.isEmpty()) {
                        misses.add(row.file() + ":" + row.line() + "  " + cut(row.reason()));
                    } else {
                        found++;
                        lang[0]++;
                        near.stream().map(f -> f.rule().id()).distinct().forEach(id -> perRule.merge(id, 1, Integer::sum));
                    }
                }
                case "ok" -> {
                    lang[3]++;
                    for (Finding f : near) {
                        String line = row.file() + ":" + row.line() + "  " + f.rule().id() + " at line " + f.line()
                                + ": " + cut(f.message());
                        if (f.severity() == Severity.ERROR) {
                            falseAlarms.add(line);
                        } else {
                            okWarnings.add(line);
                        }
                    }
                    if (near.stream().anyMatch(f -> f.severity() == Severity.ERROR)) {
                        lang[2]++;
                    }
                }
                default -> {
                }
            }
        }
        System.out.printf("scan-realworld: %s: %d files, %,d lines scanned in %.2f s, %d findings, %d skipped%n",
                root, r.filesScanned(), r.linesScanned(), seconds, r.findings().size(), r.notices().size());
        for (Notice n : r.notices()) {
            System.out.println("  skipped " + n.path() + ": " + n.message());
        }
        System.out.printf("bug sites found: %d of %d (%.0f%%); ok sites with an error finding: %d%n", found, bugs,
                100.0 * found / Math.max(1, bugs), perLanguage.values().stream().mapToInt(a -> a[2]).sum());
        System.out.printf("%-8s %12s %18s%n", "language", "bugs found", "ok sites w/ error");
        perLanguage.forEach((k, a) -> System.out.printf("%-8s %5d of %-4d %10d of %-4d%n", k, a[0], a[1], a[2], a[3]));
        System.out.println("bug sites found, by rule near them (a site may count for several rules):");
        perRule.forEach((k, v) -> System.out.printf("  %-6s %d%n", k, v));
        System.out.println("missed bug sites (" + misses.size() + "):");
        misses.forEach(m -> System.out.println("  " + m));
        System.out.println("false alarms: error findings on ok sites (" + falseAlarms.size() + "):");
        falseAlarms.forEach(m -> System.out.println("  " + m));
        System.out.println("warnings on ok sites (" + okWarnings.size() + "):");
        okWarnings.forEach(m -> System.out.println("  " + m));
    }

    private static String cut(String s) {
        return s.length() <= 150 ? s : s.substring(0, 147) + "...";
    }

    /** {@code shared/scan-realworld} next to the working directory or one of its parents. */
    private static Path locate() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path candidate = d.resolveSibling("shared").resolve("scan-realworld");
            if (d.getParent() != null && Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
