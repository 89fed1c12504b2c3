package io.lockwarden.cli.internal.soak;

import java.util.Locale;

/** How the workers of a soak run take their locks. */
public enum SoakMode {
    /** Through the Lockwarden library: transaction-scoped locks that end with commit or rollback. */
    LOCKWARDEN,
    /**
     * The classic bug, on purpose: {@code pg_advisory_lock} (session level) inside a transaction, unlocked
     * only on success; on an exception the transaction rolls back, the lock stays with the pooled connection.
     */
    SESSION_RAW,
    /** Plain SQL done right: {@code pg_advisory_xact_lock} inside the transaction. */
    XACT_RAW;

    /** The command-line name, e.g. {@code session-raw}. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * Parses a command-line name.
     *
     * @throws IllegalArgumentException naming the valid modes
     */
    public static SoakMode parse(String text) {
        for (SoakMode m : values()) {
            if (m.cliName().equals(text)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown mode '" + text + "': use lockwarden, session-raw or xact-raw");
    }
}
