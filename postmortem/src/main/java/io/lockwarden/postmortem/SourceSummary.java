package io.lockwarden.postmortem;

import java.util.List;

/**
 * What {@link LogReader} made of one source.
 *
 * @param source           file name, or {@code -} for stdin
 * @param format           the detected (or given) format
 * @param gzip             true when the source was gzip-compressed
 * @param prefix           the {@code log_line_prefix} used for stderr/syslog sources, else null
 * @param lines            physical lines read
 * @param entries          log entries produced (attached DETAIL/STATEMENT lines are part of their entry)
 * @param skippedLines     truncated or garbled lines that were counted and skipped
 * @param foreignSeverities severity words that are not PostgreSQL's English ones (e.g. {@code FEHLER}), at most a
 *                         few: non-empty means the log was written with a non-English {@code lc_messages}
 */
public record SourceSummary(String source, LogFormat format, boolean gzip, String prefix, long lines, long entries,
                            long skippedLines, List<String> foreignSeverities) {
    /** Copies the list. */
    public SourceSummary {
        foreignSeverities = List.copyOf(foreignSeverities);
    }
}
