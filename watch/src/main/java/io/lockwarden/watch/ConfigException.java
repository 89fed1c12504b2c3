package io.lockwarden.watch;

/**
 * A watchdog configuration is invalid. The message is one line: file, line and column when known, the
 * setting, what is wrong and how to fix it. It never contains a password.
 */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** An error with its one-line message. */
    public ConfigException(String message) {
        super(message);
    }

    /** An error with its one-line message and cause. */
    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
