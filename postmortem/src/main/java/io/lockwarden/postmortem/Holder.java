package io.lockwarden.postmortem;

import java.time.Instant;
import java.util.List;

/**
 * A session the log named as holding advisory locks ({@code DETAIL: Process holding the lock: N}).
 *
 * @param pid          the holding backend
 * @param keys         labels of the keys it was seen holding
 * @param firstSeen    first time the log named it as a holder (it held the lock at least since then)
 * @param lastSeen     last time the log showed it holding (named as holder, or a waiter still blocked by it)
 * @param ended        when its session ended (termination, timeout, server restart), or null when the log does not say
 * @param endedBy      why it ended, e.g. {@code administrator command} or {@code idle-in-transaction timeout}; or null
 * @param heldAtLeastMs how long the log proves it held: from {@code firstSeen} to {@code ended} when its end freed
 *                     a waiter, else to {@code lastSeen}
 * @param alsoWaited   true when it was itself waiting for an advisory lock at some point (then it is not a root)
 * @param endFreedWaiters true when its end let a waiter acquire the lock: it held the lock until it ended
 */
public record Holder(int pid, List<String> keys, Instant firstSeen, Instant lastSeen, Instant ended, String endedBy,
                     Long heldAtLeastMs, boolean alsoWaited, boolean endFreedWaiters) {
    /** Copies the list. */
    public Holder {
        keys = List.copyOf(keys);
    }
}
