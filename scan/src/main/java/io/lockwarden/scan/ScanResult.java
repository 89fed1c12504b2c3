package io.lockwarden.scan;

import java.util.List;

/**
 * The outcome of one scan. Immutable.
 *
 * @param findings     findings after suppressions and baseline, ordered by path, line, column, rule
 * @param notices      files that could not be analysed, ordered by path
 * @param filesScanned number of files analysed or pre-filtered (every candidate file read)
 * @param linesScanned number of lines in those files
 * @param suppressed   findings dropped by an inline {@code lockwarden:ignore}
 * @param baselined    findings dropped because the baseline contains them
 */
public record ScanResult(List<Finding> findings, List<Notice> notices, int filesScanned, long linesScanned,
                         int suppressed, int baselined) {

    /** Copies the lists. */
    public ScanResult {
        findings = List.copyOf(findings);
        notices = List.copyOf(notices);
    }

    /** True when some finding is at least {@code threshold} severe. */
    public boolean hasFindingsAtLeast(Severity threshold) {
        return findings.stream().anyMatch(f -> f.severity().compareTo(threshold) >= 0);
    }

    /** Number of findings of exactly this severity. */
    public long count(Severity severity) {
        return findings.stream().filter(f -> f.severity() == severity).count();
    }
}
