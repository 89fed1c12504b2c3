package io.lockwarden;

/**
 * A try-once acquisition found the lock held by someone else, where the API promises a lock (for
 * example a multi-key acquisition). APIs that return {@code Optional} report the same situation as an
 * empty result instead. Nothing was acquired. Thread-safe (immutable).
 */
public final class LockNotAvailableException extends LockwardenException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param key     the lock that was busy
     * @param message what happened and the next step
     */
    public LockNotAvailableException(LockKey key, String message) {
        super(key, message, null);
    }
}
