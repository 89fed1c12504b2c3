package io.lockwarden;

import java.time.Duration;
import java.util.List;

/**
 * The server gave up waiting for an advisory lock: PostgreSQL's {@code lock_timeout} expired
 * (SQLSTATE {@value #SQLSTATE}). The timeout is enforced by the server, so the waiting statement was
 * really cancelled there and nothing was acquired; any transaction Lockwarden opened was rolled back.
 * Thread-safe (immutable).
 */
public final class LockTimeoutException extends LockwardenException {
    private static final long serialVersionUID = 1L;

    /** SQLSTATE of {@code lock_not_available}, raised when {@code lock_timeout} expires. */
    public static final String SQLSTATE = "55P03";

    private final transient Duration timeout;
    private final transient List<Integer> holderPids;

    /**
     * Creates the exception.
     *
     * @param key        the lock that could not be taken in time
     * @param timeout    the timeout that expired
     * @param holderPids backend pids seen holding the lock right after the timeout (may be empty)
     * @param message    what happened and the next step
     * @param cause      the driver's exception carrying SQLSTATE 55P03
     */
    public LockTimeoutException(LockKey key, Duration timeout, List<Integer> holderPids, String message,
                                Throwable cause) {
        super(key, message, cause);
        this.timeout = timeout;
        this.holderPids = List.copyOf(holderPids);
    }

    /** The timeout that expired. */
    public Duration timeout() {
        return timeout;
    }

    /** Backend pids that held the lock just after the timeout (best effort; empty when unknown). */
    public List<Integer> holderPids() {
        return holderPids;
    }
}
