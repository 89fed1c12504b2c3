package io.lockwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Exit code 2 means "could not do what was asked" for every command, and the README's one table lists every
 * command (issue 21): each command with a bad argument exits 2 with one line on stderr and nothing on stdout.
 * None of these runs reaches a server.
 */
class ExitCodesTest {

    /** Per command: bad arguments, each of which must exit 2 before anything is done. */
    private static final Map<String, List<String[]>> BAD = Map.of(
            "diagnose", List.<String[]>of(new String[] {"--idle-threshold", "banana"}, new String[] {"--format", "xml"}),
            "release", List.<String[]>of(new String[] {"--pid", "abc"}, new String[] {"--pid", "1", "--idle-holders-older-than", "1m"}),
            "watch", List.<String[]>of(new String[] {"--config", "/nonexistent/lockwarden.yml"}),
            "postmortem", List.<String[]>of(new String[] {"--since", "yesterday", "x.log"}, new String[] {"--format", "pdf", "x.log"}),
            "scan", List.<String[]>of(new String[] {"--fail-on", "never", "."}, new String[] {"--threads", "0", "."}),
            "soak", List.<String[]>of(new String[] {"--url", "postgresql://127.0.0.1:1/app", "--workers", "0"},
                    new String[] {"--url", "postgresql://127.0.0.1:1/app", "--duration", "forever"}),
            "demo", List.<String[]>of(new String[] {"--keep-going"}));

    private static Set<String> commands() {
        CliContext ctx = new CliContext(new PrintStream(PrintStream.nullOutputStream()),
                new PrintStream(PrintStream.nullOutputStream()), new ByteArrayInputStream(new byte[0]), Map.of(),
                false, null);
        Set<String> names = new TreeSet<>(new CommandLine(new Main(ctx)).getSubcommands().keySet());
        names.remove("help");
        return names;
    }

    private static void assertUsageError(CliRun r, String what) {
        assertThat(r.exit()).as(what + ": " + r.err()).isEqualTo(2);
        assertThat(r.err().strip().lines()).as(what).singleElement().asString().isNotBlank();
        assertThat(r.out()).as(what).isEmpty();
    }

    @Test
    void everyCommandExitsTwoOnAnUnknownOption() {
        for (String command : commands()) {
            CliRun r = CliRun.run(Map.of(), command, "--no-such-option");
            assertUsageError(r, command + " --no-such-option");
            assertThat(r.err()).contains("--no-such-option");
        }
        assertUsageError(CliRun.run(Map.of(), "no-such-command"), "an unknown command");
    }

    @Test
    void everyCommandExitsTwoOnABadValue() {
        assertThat(BAD.keySet()).as("a bad value for every command").containsExactlyInAnyOrderElementsOf(commands());
        for (Map.Entry<String, List<String[]>> e : BAD.entrySet()) {
            for (String[] args : e.getValue()) {
                String[] all = new String[args.length + 1];
                all[0] = e.getKey();
                System.arraycopy(args, 0, all, 1, args.length);
                assertUsageError(CliRun.run(new HashMap<>(), all), String.join(" ", all));
            }
        }
    }

    @Test
    void theReadmeTableListsEveryCommandWithThreeCodes() throws Exception {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("README.md"))) {
            dir = dir.getParent();
        }
        assertThat(dir).isNotNull();
        String readme = Files.readString(dir.resolve("README.md"));
        int start = readme.indexOf("\n## Exit codes\n");
        assertThat(start).as("README has an Exit codes section").isPositive();
        String section = readme.substring(start, readme.indexOf("\n## ", start + 5));
        Matcher m = Pattern.compile("(?m)^\\| `(\\w+)` \\|(.+)$").matcher(section);
        Set<String> listed = new TreeSet<>();
        while (m.find()) {
            listed.add(m.group(1));
            assertThat(Arrays.stream(m.group(2).split("\\|")).filter(c -> !c.isBlank()).count())
                    .as(m.group()).isEqualTo(3);
        }
        assertThat(listed).isEqualTo(commands().stream().collect(Collectors.toCollection(TreeSet::new)));
    }
}
