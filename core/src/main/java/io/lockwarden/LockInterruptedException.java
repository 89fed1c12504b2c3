package io.lockwarden;

/**
 * The calling thread was interrupted while it waited for a lock. Lockwarden cancelled the waiting
 * statement on the server (so nothing was acquired and nothing is left waiting), rolled back any
 * transaction it opened, and left the thread's interrupt flag set. Thread-safe (immutable).
 */
public final class LockInterruptedException extends LockwardenException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param key     the lock being waited for
     * @param message what happened and the next step
     * @param cause   the driver's cancellation exception, or null
     */
    public LockInterruptedException(LockKey key, String message, Throwable cause) {
        super(key, message, cause);
    }
}
