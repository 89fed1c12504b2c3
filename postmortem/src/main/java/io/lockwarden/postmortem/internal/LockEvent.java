package io.lockwarden.postmortem.internal;

import io.lockwarden.postmortem.Deadlock;
import java.time.Instant;
import java.util.List;

/**
 * One lock-relevant fact extracted from a log entry. Small on purpose: the analysis keeps every one of them,
 * and nothing else, so memory follows the number of lock events, not the size of the log.
 *
 * @param kind      what happened
 * @param seq       order of reading (ties of equal time keep it)
 * @param time      the entry's time, or null
 * @param pid       the entry's pid
 * @param tag       the advisory lock, or null
 * @param mode      the lock mode, or null
 * @param afterMs   the logged wait so far, or null
 * @param holders   holder pids from DETAIL
 * @param queue     wait queue pids from DETAIL
 * @param reason    why a statement or session ended (cancellation, termination), or null
 * @param edges     deadlock cycle, or empty
 * @param user      the entry's role
 * @param database  the entry's database
 * @param application the entry's application_name
 * @param statement the entry's statement with literals as placeholders ({@code QueryText}), at most 300 characters
 */
public record LockEvent(Kind kind, long seq, Instant time, int pid, LockTag tag, String mode, Double afterMs,
                        List<Integer> holders, List<Integer> queue, String reason, List<Deadlock.Edge> edges,
                        String user, String database, String application, String statement) {

    /** Kinds of lock events. */
    public enum Kind {
        /** {@code still waiting for} (or {@code avoided deadlock}, {@code detected deadlock while waiting}). */
        WAIT,
        /** {@code acquired}. */
        ACQUIRED,
        /** {@code canceling statement due to lock timeout}. */
        LOCK_TIMEOUT,
        /** {@code deadlock detected}. */
        DEADLOCK,
        /** {@code canceling statement due to user request / statement timeout}. */
        CANCELED,
        /** {@code terminating connection due to ...}. */
        TERMINATED,
        /** {@code disconnection: session time} ({@code log_disconnections}). */
        SESSION_END,
        /** A server crash or shutdown: every session ended. */
        SERVER_RESTART,
        /** {@code out of shared memory} with the {@code max_locks_per_transaction} hint. */
        LOCK_TABLE_FULL,
        /** A logged wait for a lock that is not advisory (proves {@code log_lock_waits} was on). */
        OTHER_WAIT
    }

    /**
     * An advisory lock tag from the log.
     *
     * @param db       database oid, or -1 when unknown (key taken from a statement)
     * @param classid  tag field 2
     * @param objid    tag field 3
     * @param objsubid tag field 4: 1 bigint form, 2 two-int4 form
     */
    public record LockTag(long db, long classid, long objid, int objsubid) {
    }
}
