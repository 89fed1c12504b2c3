package io.lockwarden.postmortem;

import java.time.Instant;
import java.util.List;

/**
 * The incident at a glance, the first thing every report shows.
 *
 * @param windowStart  the first lock event (wait start, error, termination), or null when there is none
 * @param windowEnd    the last lock event, or null
 * @param keys         how many advisory keys were waited for
 * @param rootHolders  holders that blocked others without waiting themselves: where the incident starts
 * @param waits        logged advisory waits (including errors of waits too short to be logged as waiting)
 * @param acquired     waits that got the lock
 * @param lockTimeouts waits that ended in {@code lock timeout}
 * @param deadlocks    {@code deadlock detected} errors involving an advisory lock
 * @param canceled     waits canceled
 * @param terminations sessions holding or waiting for advisory locks that were terminated
 * @param lockTableFull {@code out of shared memory} errors (lock table full)
 * @param longestWait  the longest wait, or null
 * @param peakWaiters  the most sessions waiting for one key at once
 * @param peakKey      the label of that key, or null
 * @param peakAt       when, or null
 * @param likelyCause  one sentence: the most likely cause
 * @param causes       every cause the log supports, most likely first
 * @param terminationsLogged every {@code terminating connection} line in the window, whatever the session held
 *                     (the log names a holder only while someone waits for it, so {@code terminations} can be fewer)
 */
public record Summary(Instant windowStart, Instant windowEnd, int keys, List<Holder> rootHolders, int waits,
                      int acquired, int lockTimeouts, int deadlocks, int canceled, int terminations, long lockTableFull,
                      Wait longestWait, int peakWaiters, String peakKey, Instant peakAt, String likelyCause,
                      List<String> causes, int terminationsLogged) {
    /** Copies the lists. */
    public Summary {
        rootHolders = List.copyOf(rootHolders);
        causes = List.copyOf(causes);
    }
}
