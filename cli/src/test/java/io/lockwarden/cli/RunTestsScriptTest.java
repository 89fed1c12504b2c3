package io.lockwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's fresh-machine test command, {@code ./run-tests}, on a machine where the tools are absent: nothing is
 * uninstalled, the tools are hidden from PATH (and {@code apt-get} with them, as on a system that is not Debian).
 */
class RunTestsScriptTest {
    private static final List<String> TEST_TOOLS =
            List.of("pgbouncer", "prometheus", "promtool", "chromium", "chromedriver", "pgbadger", "podman", "node", "npm", "runc");

    @TempDir
    Path dir;

    private static Path script() {
        Path d = Path.of("").toAbsolutePath();
        while (d != null && !Files.isExecutable(d.resolve("run-tests"))) {
            d = d.getParent();
        }
        assertThat(d).as("./run-tests at the repository root").isNotNull();
        return d.resolve("run-tests");
    }

    /** A PATH directory with every tool of /usr/sbin, /usr/bin, /sbin and /bin except the hidden ones. */
    private Path pathWithout(Set<String> hidden) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        for (String d : List.of("/usr/sbin", "/usr/bin", "/sbin", "/bin")) {
            try (Stream<Path> tools = Files.list(Path.of(d))) {
                for (Path tool : (Iterable<Path>) tools::iterator) {
                    String name = tool.getFileName().toString();
                    if (!hidden.contains(name) && Files.isExecutable(tool)
                            && !Files.exists(bin.resolve(name), LinkOption.NOFOLLOW_LINKS)) {
                        Files.createSymbolicLink(bin.resolve(name), tool);
                    }
                }
            }
        }
        return bin;
    }

    private record Run(int exit, List<String> stderr, String stdout) {
    }

    private static Run run(Path path, String... args) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Stream.concat(Stream.of("/bin/bash", script().toString()),
                Stream.of(args)).toList());
        pb.environment().clear();
        pb.environment().put("PATH", path.toString());
        pb.environment().put("LOCKWARDEN_TOOLS_PATH", path.toString());
        pb.environment().put("HOME", path.getParent().toString());
        Process p = pb.start();
        p.getOutputStream().close();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("run-tests answered within a minute").isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(p.exitValue(), err.lines().toList(), out);
    }

    @Test
    void missingTestToolsOnASystemWithoutAptGetGetOneLineEachAndExitTwoBeforeBuilding() throws Exception {
        Path path = pathWithout(Set.copyOf(Stream.concat(TEST_TOOLS.stream(), Stream.of("apt-get")).toList()));
        // java is linked from the running JDK, so the version check sees Java 17+
        Files.deleteIfExists(path.resolve("java"));
        Files.createSymbolicLink(path.resolve("java"), Path.of(System.getProperty("java.home"), "bin", "java"));

        Run r = run(path);

        assertThat(r.exit()).as(String.join("\n", r.stderr())).isEqualTo(2);
        assertThat(r.stdout()).as("Maven never started").isEmpty();
        assertThat(r.stderr()).hasSize(TEST_TOOLS.size());
        for (int i = 0; i < TEST_TOOLS.size(); i++) {
            assertThat(r.stderr().get(i)).startsWith("run-tests: " + TEST_TOOLS.get(i) + " is missing: install it (")
                    .contains("apt-get install ").contains("macOS: ");
        }
        assertThat(r.stderr()).anySatisfy(l -> assertThat(l).contains("apt-get install chromium-driver"));
    }

    @Test
    void missingJavaAndMavenAreNamedWithWhatToInstall() throws Exception {
        Path path = pathWithout(Set.of("java", "mvn", "apt-get", "pgbadger"));

        Run r = run(path, "--check");

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.stderr()).containsExactly(
                "run-tests: java is missing: install Java 17 or newer (Debian/Ubuntu: apt-get install "
                        + "openjdk-17-jdk-headless; macOS: brew install openjdk@17)",
                "run-tests: mvn is missing: install Maven 3.8 or newer (Debian/Ubuntu: apt-get install maven; "
                        + "macOS: brew install maven)",
                "run-tests: pgbadger is missing: install it (Debian/Ubuntu: apt-get install pgbadger; macOS: "
                        + "brew install pgbadger)");
    }

    @Test
    void anUnknownOptionIsOneLineAndExitTwo() throws Exception {
        Run r = run(pathWithout(Set.of()), "--frobnicate");

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.stderr()).containsExactly(
                "run-tests: unknown option '--frobnicate': use --check, or put Maven arguments after --");
    }

    @Test
    void ciRunsTheSameCommand() throws IOException {
        Path ci = script().getParent().resolve(".ci/run");
        assertThat(Files.readAllLines(ci)).contains("exec ./run-tests");
    }
}
