package io.lockwarden;

/** How long a lock taken through Lockwarden lives; reported in {@link LockEvent}s. */
public enum LockScope {
    /** Until the transaction ends ({@code pg_advisory_xact_lock}): the default, leak-proof path. */
    TRANSACTION,
    /** Until released through its {@link SessionLock} handle ({@code pg_advisory_lock}). */
    SESSION,
    /** A long-held session lock with a heartbeat ({@link LeaderLock}). */
    LEADER
}
