package io.lockwarden.postmortem;

import java.time.Instant;
import java.util.List;

/**
 * One session's wait for an advisory lock, reconstructed from {@code still waiting} / {@code acquired} lines and
 * the error or termination that ended it.
 *
 * @param pid         the waiting backend
 * @param key         the lock waited for
 * @param mode        {@code ExclusiveLock} or {@code ShareLock}
 * @param start       when the wait began (log time minus the logged wait), or null when no wait line was logged
 *                    (the wait was shorter than {@code deadlock_timeout} and only its error is in the log)
 * @param end         when it ended, or null when still waiting at the end of the log
 * @param waitedMs    how long it waited in milliseconds, or null when unknown
 * @param outcome     how it ended
 * @param freedBy     for an acquired lock: what let it through, e.g. {@code termination of 123 (administrator
 *                    command)} or {@code release by 123}; else null
 * @param holders     pids the log named as holding the lock during the wait
 * @param queue       the wait queue the log named (including this pid)
 * @param user        the waiter's role, or null
 * @param database    the waiter's database, or null
 * @param application the waiter's {@code application_name}, or null
 * @param statement   the waiting statement with every literal a placeholder ($1, $2 ...), or null
 */
public record Wait(int pid, AdvisoryKey key, String mode, Instant start, Instant end, Double waitedMs,
                   WaitOutcome outcome, String freedBy, List<Integer> holders, List<Integer> queue, String user,
                   String database, String application, String statement) {
    /** Copies the lists. */
    public Wait {
        holders = List.copyOf(holders);
        queue = List.copyOf(queue);
    }

    /** True for {@code ShareLock} (the {@code _shared} lock functions). */
    public boolean shared() {
        return "ShareLock".equals(mode);
    }
}
