package io.lockwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 22.1: prose wraps, commands wrap between arguments and keep every pid, tables shrink to the width. */
class TextLayoutTest {
    @Test
    void longPidListsWrapAsRepeatedPidOptionsWithShellContinuationsAndKeepEveryPid() {
        String pids = java.util.stream.IntStream.range(0, 40).mapToObj(i -> String.valueOf(100000 + i))
                .collect(java.util.stream.Collectors.joining(","));
        String command = "lockwarden release --pid " + pids + " --url postgresql://ops@db.example.com:5432/shop";
        for (int width : new int[] {60, 80, 100, 160}) {
            List<String> lines = new TextLayout(width).command(command, "  fix: ", "         ");
            assertThat(lines).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(width));
            String joined = String.join("\n", lines).replaceAll(" \\\\\n\\s+", " ").replaceFirst("^  fix: ", "");
            assertThat(joined.replaceAll(" --pid ", ",").replaceFirst("--pid ", "").replace("lockwarden release,", ""))
                    .contains(pids);
            assertThat(lines.subList(0, lines.size() - 1)).allSatisfy(l -> assertThat(l).endsWith(" \\"));
        }
    }

    @Test
    void aUrlLongerThanTheLineIsNeverSplit() {
        String url = "https://github.com/example/lockwarden/blob/main/docs/runbook.md#what-to-do-at-three-in-the-morning";
        List<String> lines = new TextLayout(60).wrap("See " + url + " for the runbook.", "", "  ");
        assertThat(lines).anySatisfy(l -> assertThat(l.strip()).isEqualTo(url));
    }
}
