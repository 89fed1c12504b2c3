package io.lockwarden.postmortem;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The fast path ({@link Postmortem#analyze(LogReader, List, InputStream)}: byte scanning, lock entries only,
 * both cores) against the entry-by-entry parser ({@link LogReader#read(Path, java.util.function.Consumer)} into
 * {@link Postmortem#analyze(Iterable, List)}): every rendering of the two reports must be the same, byte for byte.
 */
final class ReferenceParse {
    private ReferenceParse() {
    }

    /** Analyses {@code log} both ways, asserts the renderings are equal, and returns the fast path's report. */
    static Report analyzeBothWays(Postmortem pm, LogReader reader, Path log) {
        Report fast = pm.analyze(reader, List.of(log), InputStream.nullInputStream());
        List<LogEntry> all = new ArrayList<>();
        SourceSummary s = reader.read(log, all::add);
        Report reference = pm.analyze(all, List.of(s));
        for (ReportFormat f : ReportFormat.values()) {
            assertThat(f.render(fast)).as(log + " rendered as " + f).isEqualTo(f.render(reference));
        }
        return fast;
    }
}
