package io.lockwarden.connect;

/**
 * Connection settings that cannot be used as given: a malformed URI or keyword/value string, an unknown
 * keyword, a missing service, a bad port. The message is one line that names the problem and the fix, and
 * never contains a password. Unchecked.
 */
public final class ConnectionSettingsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** An exception with a one-line, password-free message. */
    public ConnectionSettingsException(String message) {
        super(message);
    }
}
