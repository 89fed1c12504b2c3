package io.lockwarden.guard;

import java.util.Locale;

/**
 * What stands between the application and PostgreSQL, as far as the guard needs to know: whether a server
 * connection stays this client's between transactions. Set by configuration ({@code lockwarden.pooler} or
 * {@link LockGuard.Builder#pooler(Pooler)}), never guessed, so the guard behaves the same on every run.
 */
public enum Pooler {
    /**
     * A direct connection, or PgBouncer in session pooling: the connection is this client's until it closes.
     * Session locks still held are checked and released when the application's pool takes the connection back
     * (the default).
     */
    NONE,
    /**
     * PgBouncer (or another pooler) in transaction pooling: the server connection is this client's only while a
     * transaction is open. Session locks a transaction took are settled before that transaction ends, in
     * {@code commit()}, {@code rollback()} and {@code setAutoCommit(true)}; a session lock taken in autocommit is
     * refused (fail-fast) or reported at the call, since no client-side code can release it; nothing is checked
     * when the connection goes back to the application's pool.
     */
    TRANSACTION;

    /**
     * Parses {@code none}, {@code session} (same as {@code none}) or {@code transaction} (any case).
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static Pooler parse(String text) {
        String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        return switch (t) {
            case "none", "session" -> NONE;
            case "transaction" -> TRANSACTION;
            default -> throw new IllegalArgumentException("lockwarden.pooler must be none, session or transaction, got '"
                    + text + "'");
        };
    }
}
