package io.lockwarden.postmortem;

import java.time.Instant;
import java.util.List;

/**
 * {@code out of shared memory} errors whose HINT points at {@code max_locks_per_transaction}: the shared lock
 * table was full, so every lock (advisory or not) failed while it lasted.
 *
 * @param first  first such error
 * @param last   last such error
 * @param count  how many
 * @param pids   the sessions that got them (at most 20)
 */
public record LockTableFull(Instant first, Instant last, long count, List<Integer> pids) {
    /** Copies the list. */
    public LockTableFull {
        pids = List.copyOf(pids);
    }
}
