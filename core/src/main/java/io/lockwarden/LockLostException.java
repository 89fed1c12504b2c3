package io.lockwarden;

/**
 * A lock that was held is no longer held, or can no longer be proven held: its backend was
 * terminated, the server restarted, the network dropped, or the release found it already gone.
 * Work that relied on the lock may have run without mutual exclusion since the loss; stop it, and
 * re-acquire before continuing. Thread-safe (immutable).
 */
public final class LockLostException extends LockwardenException {
    private static final long serialVersionUID = 1L;

    /** The backend pid that held the lock. */
    private final int pid;

    /**
     * Creates the exception.
     *
     * @param key     the lock that was lost
     * @param pid     the backend pid that held it
     * @param message what happened and the next step
     * @param cause   the underlying failure, or null
     */
    public LockLostException(LockKey key, int pid, String message, Throwable cause) {
        super(key, message, cause);
        this.pid = pid;
    }

    /** The backend pid that held the lock. */
    public int pid() {
        return pid;
    }
}
