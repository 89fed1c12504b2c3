package io.lockwarden.scan.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.javaparser.ast.CompilationUnit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Slicing is only a speed-up: for every Java file of the corpus and of this repository's sources, the
 * findings (rule, line, column, message) are the same whether the file is parsed sliced or as it is.
 */
class SlicingEquivalenceTest {

    @Test
    void slicedAndUnslicedParsesGiveTheSameFindings() throws IOException {
        List<Path> files;
        try (Stream<Path> a = Files.walk(Path.of("src/test/resources/corpus"));
             Stream<Path> b = Files.walk(Path.of("src/main/java"))) {
            files = Stream.concat(a, b).filter(p -> p.toString().endsWith(".java")).toList();
        }
        Map<String, String> constants = new HashMap<>();
        for (Path p : files) {
            SourceFile f = new SourceFile(p, p.toString(), Files.readString(p), Language.JAVA);
            CompilationUnit cu = JavaAnalyzer.parse(f, Set.of(), new FileAnalysis(f), false);
            if (cu != null) {
                JavaAnalyzer.collectConstants(cu, constants);
            }
        }
        Set<String> fields = new java.util.HashSet<>();
        constants.keySet().forEach(k -> fields.add(k.substring(k.indexOf('.') + 1)));
        int compared = 0;
        for (Path p : files) {
            SourceFile f = new SourceFile(p, p.toString(), Files.readString(p), Language.JAVA);
            FileAnalysis plain = new FileAnalysis(f);
            FileAnalysis sliced = new FileAnalysis(f);
            JavaAnalyzer.analyze(f, JavaAnalyzer.parse(f, fields, plain, false), constants, plain);
            JavaAnalyzer.analyze(f, JavaAnalyzer.parse(f, fields, sliced, true), constants, sliced);
            assertThat(sliced.findings()).as(p.toString()).containsExactlyInAnyOrderElementsOf(plain.findings());
            compared += plain.findings().size();
        }
        assertThat(compared).as("findings compared").isGreaterThan(10);
    }
}
