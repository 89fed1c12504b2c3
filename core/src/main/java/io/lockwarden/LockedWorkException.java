package io.lockwarden;

/**
 * The caller's work, run under a lock, threw a checked exception. The transaction was rolled back
 * and the lock released before this was thrown; {@link #getCause()} is the work's exception.
 * (Unchecked exceptions and errors from the work are rethrown unchanged.) Thread-safe (immutable).
 */
public final class LockedWorkException extends LockwardenException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param key   the lock the work ran under (the first one when there were several)
     * @param cause the work's checked exception
     */
    public LockedWorkException(LockKey key, Throwable cause) {
        super(key, "work under lock " + key + " failed with " + cause
                + "; the transaction was rolled back and the lock released (see the cause)", cause);
    }
}
