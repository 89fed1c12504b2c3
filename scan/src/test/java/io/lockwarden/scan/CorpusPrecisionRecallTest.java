package io.lockwarden.scan;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Scans the corpus of realistic bad and good snippets under src/test/resources/corpus. Each expected
 * finding is declared next to the code: {@code expect: LW101, LW104} on the line, or
 * {@code expect-next: LW201} on the line above. Prints precision and recall and requires both to be 1:
 * no finding on good snippets, every bad snippet found.
 */
class CorpusPrecisionRecallTest {
    private static final Path CORPUS = Path.of("src/test/resources/corpus");
    private static final Pattern EXPECT = Pattern.compile("expect(-next)?:\\s*((?:LW\\d+\\s*,?\\s*)+)");

    @Test
    void everyBadSnippetIsFoundAndNoGoodSnippetIsFlagged() throws IOException {
        Set<String> expected = new TreeSet<>();
        try (Stream<Path> files = Files.walk(CORPUS)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                List<String> lines = Files.readAllLines(f);
                for (int i = 0; i < lines.size(); i++) {
                    Matcher m = EXPECT.matcher(lines.get(i));
                    if (m.find()) {
                        int line = m.group(1) != null ? i + 2 : i + 1;
                        for (String id : m.group(2).split("[,\\s]+")) {
                            if (!id.isBlank()) {
                                expected.add(key(CORPUS.relativize(f).toString().replace('\\', '/'), line, id.trim()));
                            }
                        }
                    }
                }
            }
        }
        ScanResult result = Scanner.builder().baseDirectory(CORPUS).build().scan(List.of(CORPUS));
        Set<String> actual = new TreeSet<>();
        for (Finding f : result.findings()) {
            actual.add(key(f.path(), f.line(), f.rule().id()));
        }
        Set<String> truePositives = new HashSet<>(actual);
        truePositives.retainAll(expected);
        List<String> falsePositives = new ArrayList<>(actual);
        falsePositives.removeAll(expected);
        List<String> falseNegatives = new ArrayList<>(expected);
        falseNegatives.removeAll(actual);
        double precision = actual.isEmpty() ? 1 : (double) truePositives.size() / actual.size();
        double recall = expected.isEmpty() ? 1 : (double) truePositives.size() / expected.size();
        System.out.printf("lockwarden scan corpus: %d expected, %d reported, precision %.3f, recall %.3f%n",
                expected.size(), actual.size(), precision, recall);
        falsePositives.forEach(fp -> System.out.println("  false positive: " + fp));
        falseNegatives.forEach(fn -> System.out.println("  missed:         " + fn));

        assertThat(result.notices()).as("corpus files that could not be analysed").isEmpty();
        assertThat(falsePositives).as("findings nobody expected (false positives)").isEmpty();
        assertThat(falseNegatives).as("expected findings that were missed").isEmpty();
        assertThat(expected).as("the corpus covers every rule").extracting(k -> k.substring(k.lastIndexOf(' ') + 1))
                .containsAll(Stream.of(Rule.values()).filter(r -> r != Rule.SUPPRESSION_WITHOUT_REASON)
                        .map(Rule::id).toList());
        assertThat(actual.stream().filter(k -> k.contains("good")).toList())
                .as("findings in good snippets").isEmpty();
    }

    private static String key(String path, int line, String rule) {
        return path + ":" + line + " " + rule;
    }
}
