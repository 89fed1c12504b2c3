package io.lockwarden.inspect;

import java.util.List;
import java.util.Objects;

/**
 * A snapshot and the findings all rules produced for it, worst first.
 *
 * @param snapshot the state that was read
 * @param findings the findings, ordered by severity (worst first), then by rule id
 */
public record Diagnosis(Snapshot snapshot, List<Finding> findings) {

    /** Copies the list. */
    public Diagnosis {
        Objects.requireNonNull(snapshot, "snapshot");
        findings = List.copyOf(findings);
    }

    /** True when any finding is at {@link Severity#WARNING} or worse (the CLI then exits 1). */
    public boolean hasProblems() {
        return findings.stream().anyMatch(f -> f.severity().isProblem());
    }

    /** The findings of one rule id. */
    public List<Finding> findings(String ruleId) {
        return findings.stream().filter(f -> f.rule().equals(ruleId)).toList();
    }
}
