package io.lockwarden.postmortem;

import java.time.Instant;
import java.util.List;

/**
 * The end of a session that held or waited for advisory locks, and the waiters it freed.
 *
 * @param pid          the session's backend pid
 * @param time         when the log recorded it
 * @param reason       {@code administrator command} (pg_terminate_backend), {@code idle-in-transaction timeout},
 *                     {@code idle-session timeout}, {@code server restart}, ...
 * @param keysHeld     labels of the keys the log showed it holding
 * @param freedWaiters pids whose waits for those keys were then acquired
 * @param wasWaiting   true when it was itself waiting when it ended
 */
public record Termination(int pid, Instant time, String reason, List<String> keysHeld, List<Integer> freedWaiters,
                          boolean wasWaiting) {
    /** Copies the lists. */
    public Termination {
        keysHeld = List.copyOf(keysHeld);
        freedWaiters = List.copyOf(freedWaiters);
    }
}
