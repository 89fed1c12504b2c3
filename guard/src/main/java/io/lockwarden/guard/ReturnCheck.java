package io.lockwarden.guard;

import java.util.Locale;

/** When the guard asks {@code pg_locks} what a connection still holds as it is returned. */
public enum ReturnCheck {
    /**
     * Only when the connection may hold a lock: it took one the guard followed, or ran a statement mentioning
     * advisory locks that the guard could not follow (a key computed by an expression, a try-lock whose result
     * was not read, a call inside a {@code DO} body or a function named {@code *advisory*}, a statement that
     * failed). Connections that took no lock cost nothing at return. The default.
     */
    WHEN_LOCKED,
    /**
     * At every return: also catches locks taken inside server functions whose names do not mention advisory
     * locks. Costs one {@code pg_locks} query per return (which briefly takes every lock-manager partition
     * lock on the server in shared mode).
     */
    ALWAYS;

    /**
     * Parses {@code when-locked} or {@code always} (any case).
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static ReturnCheck parse(String text) {
        String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        return switch (t) {
            case "when-locked", "when_locked" -> WHEN_LOCKED;
            case "always" -> ALWAYS;
            default -> throw new IllegalArgumentException("lockwarden.check must be when-locked or always, got '"
                    + text + "'");
        };
    }
}
