package io.lockwarden.postmortem;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Everything the log shows about one advisory key.
 *
 * @param key          the key
 * @param holders      pids the log named as holding it
 * @param waits        every logged wait for it, by start time
 * @param outcomes     number of waits per outcome
 * @param firstWait    when the first wait began
 * @param end          when the last wait ended (or the last event, when a wait never ended)
 * @param peakWaiters  the most sessions waiting at once
 * @param peakAt       when that peak was first reached
 * @param timeline     the key's events by time (at most {@link Report#MAX_TIMELINE} per key)
 * @param waiting      the number of waiting sessions over time: a step function, one point per change
 */
public record KeyHistory(AdvisoryKey key, List<Integer> holders, List<Wait> waits, Map<WaitOutcome, Integer> outcomes,
                         Instant firstWait, Instant end, int peakWaiters, Instant peakAt, List<TimelineEvent> timeline,
                         List<WaitingPoint> waiting) {
    /** Copies the collections. */
    public KeyHistory {
        holders = List.copyOf(holders);
        waits = List.copyOf(waits);
        outcomes = Map.copyOf(outcomes);
        timeline = List.copyOf(timeline);
        waiting = List.copyOf(waiting);
    }

    /**
     * The number of sessions waiting for the key from {@code time} until the next point.
     *
     * @param time    when the count changed
     * @param waiting sessions waiting from then on
     */
    public record WaitingPoint(Instant time, int waiting) {
    }
}
