package io.lockwarden;

/**
 * Receives every lock event of an {@link AdvisoryLocks}, for metrics (a Micrometer binder ships with
 * the watch module) or auditing. All methods have no-op defaults; implement the ones you need.
 *
 * <p>Called synchronously on the thread where the event happens (the caller's thread, or
 * Lockwarden's heartbeat and cleaner threads for {@link #lost} and {@link #abandoned}): implementations
 * must be thread-safe and fast, and should not throw (what they throw is logged at WARN and ignored).
 */
public interface LockListener {
    /** A listener that ignores everything. */
    LockListener NONE = new LockListener() {
    };

    /** A lock was acquired; {@link LockEvent#waited()} is the wait. */
    default void acquired(LockEvent event) {
    }

    /** A lock was released normally; {@link LockEvent#held()} is the hold time. */
    default void released(LockEvent event) {
    }

    /**
     * An acquisition failed: timeout, busy (try-lock), interruption, misuse or a database error.
     *
     * @param event the attempt ({@link LockEvent#waited()} is how long it waited)
     * @param cause why; for a try-lock that found the lock busy, a {@link LockNotAvailableException}
     *              that was not thrown
     */
    default void failed(LockEvent event, LockwardenException cause) {
    }

    /** A held lock was lost (backend terminated, server restarted, network dropped). */
    default void lost(LockEvent event, LockLostException cause) {
    }

    /**
     * A lock was still held when its handle became unreachable (garbage collected) or when its
     * connection went back to a pool guarded by {@link AdvisoryLocks#guard(javax.sql.DataSource)};
     * Lockwarden released it.
     *
     * @param event      the lock ({@link LockEvent#held()} is how long it was held)
     * @param acquiredAt a throwable whose stack trace shows where the lock was acquired
     */
    default void abandoned(LockEvent event, Throwable acquiredAt) {
    }
}
