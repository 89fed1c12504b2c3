package io.lockwarden.scan;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Scans two corpora of bad and good snippets: {@code corpus} (the cases as written by each rule's author)
 * and {@code corpus-new-idioms} (what real projects got wrong, issue 12: locks through pools, unread
 * try-lock results, re-entrant stacking, early-ending transaction locks, unlocks that cannot run, lock
 * calls that are not spelled out, generator query files, returned connections, more languages). Each
 * expected finding is declared next to the code: {@code expect: LW101, LW104} on the line, or
 * {@code expect-next: LW201} on the line above. Prints precision and recall per split and per rule and
 * requires both to be 1: no finding on good snippets, every bad snippet found.
 */
class CorpusPrecisionRecallTest {
    private static final Pattern EXPECT = Pattern.compile("expect(-next)?:\\s*((?:LW\\d+\\s*,?\\s*)+)");

    private record Measure(Set<String> expected, Set<String> actual, ScanResult result) {
        List<String> falsePositives() {
            List<String> fp = new ArrayList<>(actual);
            fp.removeAll(expected);
            return fp;
        }

        List<String> falseNegatives() {
            List<String> fn = new ArrayList<>(expected);
            fn.removeAll(actual);
            return fn;
        }
    }

    @Test
    void authorsCasesAreAllFoundAndNoGoodSnippetIsFlagged() throws IOException {
        Measure m = measure("as written by the rule's author", Path.of("src/test/resources/corpus"));
        assertPerfect(m);
    }

    @Test
    void newIdiomCasesAreAllFoundAndNoGoodSnippetIsFlagged() throws IOException {
        Measure m = measure("new idioms", Path.of("src/test/resources/corpus-new-idioms"));
        assertPerfect(m);
    }

    @Test
    void theTwoSplitsTogetherCoverEveryRule() throws IOException {
        Set<String> rules = new TreeSet<>();
        for (String dir : List.of("src/test/resources/corpus", "src/test/resources/corpus-new-idioms")) {
            expectations(Path.of(dir)).forEach(k -> rules.add(k.substring(k.lastIndexOf(' ') + 1)));
        }
        assertThat(rules).as("the corpus covers every rule")
                .containsAll(Stream.of(Rule.values()).filter(r -> r != Rule.SUPPRESSION_WITHOUT_REASON)
                        .map(Rule::id).toList());
    }

    private static void assertPerfect(Measure m) {
        assertThat(m.result().notices()).as("corpus files that could not be analysed").isEmpty();
        assertThat(m.falsePositives()).as("findings nobody expected (false positives)").isEmpty();
        assertThat(m.falseNegatives()).as("expected findings that were missed").isEmpty();
        assertThat(m.actual().stream().filter(k -> k.contains("good")).toList())
                .as("findings in good snippets").isEmpty();
    }

    private static Measure measure(String split, Path corpus) throws IOException {
        Set<String> expected = expectations(corpus);
        ScanResult result = Scanner.builder().baseDirectory(corpus).build().scan(List.of(corpus));
        Set<String> actual = new TreeSet<>();
        for (Finding f : result.findings()) {
            actual.add(key(f.path(), f.line(), f.rule().id()));
        }
        Measure m = new Measure(expected, actual, result);
        System.out.printf("lockwarden scan corpus, %s: %d expected, %d reported, precision %.3f, recall %.3f%n",
                split, expected.size(), actual.size(), ratio(intersect(actual, expected), actual.size()),
                ratio(intersect(actual, expected), expected.size()));
        TreeMap<String, int[]> perRule = new TreeMap<>(); // rule -> {true positives, reported, expected}
        for (String k : actual) {
            int[] c = perRule.computeIfAbsent(rule(k), r -> new int[3]);
            c[1]++;
            if (expected.contains(k)) {
                c[0]++;
            }
        }
        for (String k : expected) {
            perRule.computeIfAbsent(rule(k), r -> new int[3])[2]++;
        }
        perRule.forEach((rule, c) -> System.out.printf("  %s %-32s expected %3d, reported %3d, precision %.3f, recall %.3f%n",
                rule, Rule.find(rule).map(Rule::slug).orElse("?"), c[2], c[1], ratio(c[0], c[1]), ratio(c[0], c[2])));
        m.falsePositives().forEach(fp -> System.out.println("  false positive: " + fp));
        m.falseNegatives().forEach(fn -> System.out.println("  missed:         " + fn));
        return m;
    }

    private static Set<String> expectations(Path corpus) throws IOException {
        Set<String> expected = new TreeSet<>();
        try (Stream<Path> files = Files.walk(corpus)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                List<String> lines = Files.readAllLines(f);
                for (int i = 0; i < lines.size(); i++) {
                    Matcher m = EXPECT.matcher(lines.get(i));
                    if (m.find()) {
                        int line = m.group(1) != null ? i + 2 : i + 1;
                        for (String id : m.group(2).split("[,\\s]+")) {
                            if (!id.isBlank()) {
                                expected.add(key(corpus.relativize(f).toString().replace('\\', '/'), line, id.trim()));
                            }
                        }
                    }
                }
            }
        }
        return expected;
    }

    private static int intersect(Set<String> a, Set<String> b) {
        Set<String> i = new HashSet<>(a);
        i.retainAll(b);
        return i.size();
    }

    private static double ratio(int n, int d) {
        return d == 0 ? 1 : (double) n / d;
    }

    private static String rule(String key) {
        return key.substring(key.lastIndexOf(' ') + 1);
    }

    private static String key(String path, int line, String rule) {
        return path + ":" + line + " " + rule;
    }
}
