package io.lockwarden.inspect;

import io.lockwarden.inspect.internal.Incidents;
import java.util.List;
import java.util.Objects;

/**
 * A snapshot, the findings all rules produced for it (worst first), and those findings grouped into
 * incidents: what to act on, one remedy each.
 *
 * @param snapshot  the state that was read
 * @param findings  the findings, ordered by severity (worst first), then by rule id
 * @param incidents findings sharing a root cause and a remedy, worst first (see {@link Incident})
 */
public record Diagnosis(Snapshot snapshot, List<Finding> findings, List<Incident> incidents) {

    /** Copies the lists. */
    public Diagnosis {
        Objects.requireNonNull(snapshot, "snapshot");
        findings = List.copyOf(findings);
        incidents = List.copyOf(incidents);
    }

    /** A diagnosis whose incidents are grouped from the findings, as {@link Inspector#diagnose()} does. */
    public Diagnosis(Snapshot snapshot, List<Finding> findings) {
        this(snapshot, findings, Incidents.group(snapshot, findings));
    }

    /**
     * The findings about the server or pooler configuration rather than about sessions (no pids): advice to
     * show after the incidents.
     */
    public List<Finding> advice() {
        return findings.stream().filter(f -> f.pids().isEmpty()
                && !f.rule().equals(io.lockwarden.inspect.rules.PreparedTransactionHoldsLocksRule.ID)).toList();
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
