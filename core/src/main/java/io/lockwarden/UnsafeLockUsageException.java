package io.lockwarden;

/**
 * The lock was used in a way that cannot protect anything, so Lockwarden refused: a
 * transaction-level lock on a connection in autocommit mode (released when that one statement
 * ends), or a session lock whose release ran on a different backend than the one that locked
 * (a transaction-pooling proxy such as PgBouncer in {@code pool_mode = transaction} sits in between).
 * The message says which and how to fix it. Thread-safe (immutable).
 */
public final class UnsafeLockUsageException extends LockwardenException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param key     the lock concerned
     * @param message what was unsafe and the fix
     */
    public UnsafeLockUsageException(LockKey key, String message) {
        super(key, message, null);
    }
}
