package io.lockwarden.postmortem;

import java.util.List;

/**
 * An advisory lock incident reconstructed from server logs by {@link Postmortem}. Render it with
 * {@link ReportFormat}.
 *
 * @param summary       the incident at a glance
 * @param keys          per-key history, most waits first
 * @param holders       every session the log named as holder
 * @param terminations  ends of sessions that held or waited for advisory locks, with the waiters they freed
 * @param deadlocks     deadlocks involving advisory locks
 * @param lockTableFull lock table exhaustion, or null when none was logged
 * @param limits        what the log cannot show, said instead of guessed (always at least one sentence)
 * @param sources       what was read from each source
 * @param otherLockTimeouts lock timeouts of statements that did not wait for an advisory lock (table or row locks)
 */
public record Report(Summary summary, List<KeyHistory> keys, List<Holder> holders, List<Termination> terminations,
                     List<Deadlock> deadlocks, LockTableFull lockTableFull, List<String> limits,
                     List<SourceSummary> sources, long otherLockTimeouts) {
    /** Most timeline events kept per key; the rest are counted in the waits. */
    public static final int MAX_TIMELINE = 500;

    /** Copies the lists. */
    public Report {
        keys = List.copyOf(keys);
        holders = List.copyOf(holders);
        terminations = List.copyOf(terminations);
        deadlocks = List.copyOf(deadlocks);
        limits = List.copyOf(limits);
        sources = List.copyOf(sources);
    }

    /** True when the log shows an advisory lock incident: waits, lock timeouts, deadlocks or a full lock table. */
    public boolean incident() {
        return summary.waits() > 0 || summary.deadlocks() > 0 || summary.lockTableFull() > 0;
    }
}
