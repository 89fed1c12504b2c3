package io.lockwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.AutoComplete;
import picocli.CommandLine;

/**
 * Issue 22.9: help wraps at the terminal's width without splitting the example URLs, the root help's one-line
 * summaries are whole, and every option with a fixed set of values completes them in bash.
 */
class HelpAndCompletionTest {
    @TempDir
    Path dir;

    @Test
    void helpWrapsAtTheTerminalWidthAndKeepsExampleUrlsWhole() {
        for (int width : new int[] {80, 100, 160}) {
            for (String[] args : List.of(new String[] {"--help"}, new String[] {"diagnose", "--help"},
                    new String[] {"release", "--help"}, new String[] {"watch", "--help"},
                    new String[] {"soak", "--help"})) {
                CliRun r = CliRun.run(Map.of("COLUMNS", String.valueOf(width)), args);
                String what = String.join(" ", args) + " at " + width;
                assertThat(r.exit()).as(what).isZero();
                assertThat(r.out().lines().filter(l -> l.length() > width)).as("%s:%n%s", what, r.out()).isEmpty();
                if (!args[0].equals("--help") && !args[0].equals("watch")) {
                    assertThat(r.out()).as(what).contains("postgresql://user@db:5432/app?sslmode=require");
                }
            }
        }
        CliRun root = CliRun.run(Map.of("COLUMNS", "100"), "--help");
        assertThat(root.out()).as("the watch summary is whole").contains("ending idle session-lock holders by policy.");
        CliRun wide = CliRun.run(Map.of("COLUMNS", "160"), "diagnose", "--help");
        assertThat(wide.out().lines().mapToInt(String::length).max().orElse(0)).isGreaterThan(100);
    }

    @Test
    void everyOptionWithFixedValuesCompletesThemInBash() throws Exception {
        CommandLine cl = new CommandLine(new Main(CliContext.of(new PrintStream(PrintStream.nullOutputStream()),
                new PrintStream(PrintStream.nullOutputStream()), Map.of())));
        Path script = dir.resolve("lockwarden.bash");
        Files.writeString(script, AutoComplete.bash("lockwarden", cl));
        String[][] cases = {{"diagnose --format", "json"}, {"soak --mode", "session-raw"}, {"soak --faults", "pool-evict"},
            {"watch --enforce", "dry-run"}, {"postmortem --log-format", "jsonlog"}, {"postmortem --format", "html"},
            {"scan --format", "sarif"}};
        for (String[] c : cases) {
            String words = "lockwarden " + c[0] + " ''";
            int cword = c[0].split(" ").length + 1;
            Process p = new ProcessBuilder("bash", "-c", "source '" + script + "'; COMP_WORDS=(" + words + "); COMP_CWORD="
                    + cword + "; COMP_LINE='lockwarden " + c[0] + " '; COMP_POINT=${#COMP_LINE}; _complete_lockwarden; "
                    + "echo \"${COMPREPLY[@]}\"").redirectErrorStream(true).start();
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            String out = new String(p.getInputStream().readAllBytes());
            assertThat(out).as(c[0] + ": " + out).contains(c[1]);
        }
    }
}
