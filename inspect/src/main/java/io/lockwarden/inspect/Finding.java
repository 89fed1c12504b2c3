package io.lockwarden.inspect;

import io.lockwarden.LockKey;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One problem (or piece of advice) found in a {@link Snapshot} by a rule.
 *
 * @param rule     the rule's stable id, e.g. {@code idle-session-holds-locks}; never changes between versions
 * @param severity how bad it is
 * @param pids     the sessions involved (holders first, then waiters)
 * @param keys     the lock keys involved
 * @param message  plain-language explanation with the evidence (pids, keys, durations)
 * @param fix      the concrete fix: SQL to run or configuration to change
 * @param verdicts per holder whose termination would end the problem: safe or unsafe with the reason
 * @param evidence machine-readable numbers behind the message (e.g. {@code idle_seconds}), stable keys
 */
public record Finding(String rule, Severity severity, List<Integer> pids, List<LockKey> keys, String message,
                      String fix, List<TerminationVerdict> verdicts, Map<String, Object> evidence) {

    /** Copies the lists and map. @throws NullPointerException when rule, severity, message or fix is null */
    public Finding {
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(fix, "fix");
        pids = List.copyOf(pids);
        keys = List.copyOf(keys);
        verdicts = List.copyOf(verdicts);
        evidence = Map.copyOf(evidence);
    }
}
