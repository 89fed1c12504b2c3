package io.lockwarden.cli.internal.soak;

/** A soak run could not start or finish its bookkeeping (server unreachable, no rights); the message says what to fix. */
public final class SoakSetupException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** With a message naming the problem and the fix. */
    public SoakSetupException(String message, Throwable cause) {
        super(message, cause);
    }
}
