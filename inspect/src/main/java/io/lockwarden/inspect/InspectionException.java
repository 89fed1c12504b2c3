package io.lockwarden.inspect;

/**
 * Reading a server's (or PgBouncer console's) lock state failed: it cannot be reached, refused the
 * login, or a query failed. The message names the target (never a password) and the next step.
 */
public class InspectionException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message that says what failed and what to do. */
    public InspectionException(String message, Throwable cause) {
        super(message, cause);
    }
}
