package io.lockwarden;

import java.sql.SQLException;

/**
 * A {@link SQLException} from the JDBC driver while Lockwarden took, checked or released a lock, or
 * committed the work: wrapped (never swallowed) with the key and the next step. {@link #getCause()}
 * is the driver's exception. Thread-safe (immutable).
 */
public final class LockDatabaseException extends LockwardenException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param key     the lock concerned, or null
     * @param message what Lockwarden was doing and the next step
     * @param cause   the driver's exception
     */
    public LockDatabaseException(LockKey key, String message, SQLException cause) {
        super(key, message, cause);
    }

    /** The SQLSTATE of the driver's exception (may be null when the driver gave none). */
    public String sqlState() {
        return ((SQLException) getCause()).getSQLState();
    }
}
