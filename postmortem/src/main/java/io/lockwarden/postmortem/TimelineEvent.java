package io.lockwarden.postmortem;

import java.time.Instant;

/**
 * One line of a key's timeline.
 *
 * @param time when (null when the log has no timestamps)
 * @param kind {@code wait}, {@code acquired}, {@code lock_timeout}, {@code deadlock}, {@code canceled},
 *             {@code terminated}, {@code still_waiting}, {@code unknown} or {@code holder_ended}
 * @param pid  the session it concerns
 * @param text a sentence for people
 */
public record TimelineEvent(Instant time, String kind, int pid, String text) {
}
