package io.lockwarden.postmortem;

import java.time.Instant;
import java.util.List;

/**
 * A {@code deadlock detected} error with the cycle from its DETAIL.
 *
 * @param time     when the victim's error was logged
 * @param victim   the pid whose statement was canceled to break the cycle
 * @param database the victim's database, or null
 * @param cycle    the edges of the cycle, in the order logged
 */
public record Deadlock(Instant time, int victim, String database, List<Edge> cycle) {
    /** Copies the list. */
    public Deadlock {
        cycle = List.copyOf(cycle);
    }

    /**
     * One edge: {@code pid} waits for {@code lock} in {@code mode}, blocked by {@code blockedBy}.
     *
     * @param pid       the waiting pid
     * @param mode      the lock mode waited for
     * @param lock      the lock as logged, e.g. {@code advisory lock [5,0,1,1]} or {@code transaction 1234}
     * @param key       the advisory key label when the lock is an advisory lock, else null
     * @param blockedBy the pid it waits for
     */
    public record Edge(int pid, String mode, String lock, String key, int blockedBy) {
    }
}
