package io.lockwarden;

import java.sql.SQLException;

/**
 * The connection failed while the work's COMMIT was in flight, so whether the server committed is
 * unknown: the server may have committed and lost only its reply. Never retry the work blindly after
 * this: first look up whether its effects are in the database (the rows it wrote, or its transaction id
 * if the work recorded one), and retry only when they are not.
 *
 * <p>The lock itself is not held any more, or will not be for long: the session that held it either
 * ended with the connection, or is ended by the server within the {@code vanishedClientTimeout}
 * (see {@link AdvisoryLocks.Builder#vanishedClientTimeout(java.time.Duration)}).
 *
 * <p>Deliberately not a {@link LockDatabaseException}: code that retries on database failures must not
 * retry this one unknowingly. Thread-safe (immutable).
 */
public final class CommitOutcomeUnknownException extends LockwardenException {
    private static final long serialVersionUID = 1L;

    private final int pid;

    /**
     * Creates the exception.
     *
     * @param key     the (first) lock the work ran under
     * @param pid     the backend pid the transaction ran on
     * @param message what happened and what to check
     * @param cause   the driver's exception
     */
    public CommitOutcomeUnknownException(LockKey key, int pid, String message, SQLException cause) {
        super(key, message, cause);
        this.pid = pid;
    }

    /** The backend pid the transaction ran on (0 when unknown). */
    public int pid() {
        return pid;
    }

    /** The SQLSTATE of the driver's exception (may be null when the driver gave none). */
    public String sqlState() {
        return ((SQLException) getCause()).getSQLState();
    }
}
