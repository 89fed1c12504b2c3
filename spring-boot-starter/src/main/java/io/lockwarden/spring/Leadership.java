package io.lockwarden.spring;

import io.lockwarden.LeaderLock;
import io.lockwarden.spring.internal.SingletonTasks;
import java.util.Optional;

/**
 * The leader lock of the {@link ScheduledSingleton} run on the current thread, for
 * {@link LeaderLock#checkHeld()} before critical writes and for its
 * {@link LeaderLock#fencingToken() fencing token}. Thread-safe.
 */
public final class Leadership {
    private Leadership() {
    }

    /** The lock the current thread's singleton run holds; empty outside such a run. */
    public static Optional<LeaderLock> current() {
        return SingletonTasks.currentLeader();
    }
}
