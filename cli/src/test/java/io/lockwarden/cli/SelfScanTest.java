package io.lockwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockwarden.scan.ScanResult;
import io.lockwarden.scan.Scanner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Lockwarden's own shipped code passes Lockwarden's scanner; deliberate leaks carry a reasoned suppression.
 * The modules come from the root pom's {@code <modules>}, so a new module is covered without editing this test.
 */
class SelfScanTest {
    /** Reactor modules that are never shipped: benchmarks and the packaging of the others. */
    private static final Set<String> NOT_SHIPPED = Set.of("bench", "dist");

    @Test
    void everyShippedModuleHasNoUnsuppressedFindings() throws Exception {
        Path root = Path.of("..").toAbsolutePath().normalize();
        List<String> shipped = shippedModulesWithSources(root);
        assertThat(shipped).as("shipped modules read from the root pom")
                .contains("core", "guard", "inspect", "scan", "watch", "postmortem", "testkit", "testkit-fixtures",
                        "cli", "spring-boot-starter")
                .doesNotContainAnyElementsOf(NOT_SHIPPED);
        List<Path> trees = shipped.stream().map(m -> root.resolve(m).resolve("src/main")).toList();

        ScanResult result = Scanner.builder().baseDirectory(root).build().scan(trees);

        assertThat(result.findings()).as("findings in shipped code of " + shipped).isEmpty();
        assertThat(result.notices()).as("shipped files the scanner could not analyse").isEmpty();
        assertThat(result.suppressed())
                .as("the deliberate leaks of demo and soak session-raw are suppressed, not missed")
                .isGreaterThanOrEqualTo(5);
        assertThat(result.filesScanned()).isGreaterThan(200);
    }

    /** The root pom's modules, minus {@link #NOT_SHIPPED} and aggregators without {@code src/main} (the bom). */
    private static List<String> shippedModulesWithSources(Path root) throws Exception {
        Element project = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(root.resolve("pom.xml").toFile()).getDocumentElement();
        NodeList modules = project.getElementsByTagName("module");
        List<String> out = new ArrayList<>();
        for (int i = 0; i < modules.getLength(); i++) {
            String module = modules.item(i).getTextContent().strip();
            if (!NOT_SHIPPED.contains(module) && Files.isDirectory(root.resolve(module).resolve("src/main"))) {
                out.add(module);
            }
        }
        return out;
    }
}
