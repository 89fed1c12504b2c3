package io.lockwarden.cli;

/**
 * A problem the user can fix (bad URL, unreachable host, wrong password, missing privilege, unknown
 * pid). {@link Main} prints its message as one line on stderr and exits 2. Messages never contain
 * passwords.
 */
public class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** A problem with the message to show: what is wrong and how to fix it. */
    public CliException(String message) {
        super(message);
    }

    /** A problem with the message to show and its cause (shown only with {@code --verbose}). */
    public CliException(String message, Throwable cause) {
        super(message, cause);
    }
}
