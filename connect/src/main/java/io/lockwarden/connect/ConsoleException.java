package io.lockwarden.connect;

import java.util.Objects;

/**
 * The PgBouncer console could not be used. {@link #failure()} says which of the known cases it was; the
 * message is one line naming the console ({@code host:port}), the user (never the password) and the fix.
 * Unchecked.
 */
public final class ConsoleException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Failure {
        /** Nothing listens at the host and port, or the host is unknown. */
        UNREACHABLE,
        /** No answer within the connect timeout. */
        TIMEOUT,
        /** The pooler demands TLS ({@code client_tls_sslmode}) but {@code sslmode} does not allow it. */
        TLS_REQUIRED,
        /** {@code sslmode} demands TLS but the pooler does not offer it. */
        TLS_REFUSED,
        /** The TLS handshake or the certificate check failed. */
        TLS_FAILED,
        /** The pooler asks for a password and none was given or found. */
        PASSWORD_REQUIRED,
        /** The pooler rejected the password. */
        WRONG_PASSWORD,
        /** The user is in neither {@code admin_users} nor {@code stats_users}. */
        NOT_ALLOWED,
        /** A statistics user ran a command only {@code admin_users} may run ({@code RECONNECT}, {@code KILL}). */
        ADMIN_REQUIRED,
        /** The server is not a PgBouncer admin console (e.g. a PostgreSQL server, or no PostgreSQL protocol). */
        NOT_A_CONSOLE,
        /** The pooler asked for an authentication method this client does not speak (e.g. GSSAPI). */
        UNSUPPORTED_AUTHENTICATION,
        /** Any other login refusal; the message quotes PgBouncer's. */
        REFUSED,
        /** A console command failed; the message quotes PgBouncer's error. */
        COMMAND_FAILED,
        /** The connection broke or sent something unexpected after the login. */
        CONNECTION_LOST
    }

    private final Failure failure;

    /** An exception of the given kind with a one-line, password-free message. */
    public ConsoleException(Failure failure, String message, Throwable cause) {
        super(message, cause);
        this.failure = Objects.requireNonNull(failure, "failure");
    }

    /** An exception of the given kind with a one-line, password-free message. */
    public ConsoleException(Failure failure, String message) {
        this(failure, message, null);
    }

    /** Which known case this is. */
    public Failure failure() {
        return failure;
    }
}
