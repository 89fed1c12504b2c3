package io.lockwarden.scan;

/**
 * The scan cannot start or finish: a path does not exist or cannot be read, or a baseline file is
 * unreadable or malformed. The message names the path and what to do next.
 */
public class ScanException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message naming the problem and the fix. */
    public ScanException(String message) {
        super(message);
    }

    /** Creates the exception with a message naming the problem and the fix, and its cause. */
    public ScanException(String message, Throwable cause) {
        super(message, cause);
    }
}
