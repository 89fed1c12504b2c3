package io.lockwarden;

/**
 * Exclusive or shared advisory locks. Shared holders coexist with each other; an exclusive holder
 * excludes everyone else (PostgreSQL's {@code pg_advisory_lock} vs {@code pg_advisory_lock_shared}).
 */
public enum LockMode {
    /** One holder at a time ({@code ExclusiveLock} in {@code pg_locks}). */
    EXCLUSIVE,
    /** Many shared holders at a time, excluded by an exclusive holder ({@code ShareLock} in {@code pg_locks}). */
    SHARED;

    /** The {@code pg_locks.mode} value of a lock in this mode. */
    public String pgLocksMode() {
        return this == EXCLUSIVE ? "ExclusiveLock" : "ShareLock";
    }
}
