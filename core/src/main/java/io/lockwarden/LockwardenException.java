package io.lockwarden;

import java.util.Optional;

/**
 * Base of every exception Lockwarden throws. Unchecked: lock failures are not something most callers
 * can handle locally, and the specific subclasses say what happened and what to do next.
 *
 * <p>Subclasses: {@link LockTimeoutException}, {@link LockNotAvailableException},
 * {@link LockLostException}, {@link LockInterruptedException}, {@link UnsafeLockUsageException},
 * {@link LockDatabaseException} (a driver {@code SQLException}, wrapped) and {@link LockedWorkException}
 * (a checked exception thrown by the caller's work, wrapped). Immutable once thrown; safe to pass
 * between threads.
 */
public class LockwardenException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient LockKey key;

    /**
     * Creates an exception about one key.
     *
     * @param key     the lock concerned, or null when the failure concerns no single key
     * @param message what happened and the next step
     * @param cause   the underlying failure, or null
     */
    public LockwardenException(LockKey key, String message, Throwable cause) {
        super(message, cause);
        this.key = key;
    }

    /** The lock this failure concerns, when there is one. */
    public Optional<LockKey> key() {
        return Optional.ofNullable(key);
    }
}
