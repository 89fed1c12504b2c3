package io.lockwarden.connect;

import java.util.Objects;

/**
 * A password and where it came from ("the connection string", "PGPASSWORD", "password file ~/.pgpass").
 * {@link #toString()} never shows it; only {@link #reveal()} does, for the moment it is sent. Immutable and
 * thread-safe.
 */
public final class Password {
    private final String secret;
    private final String source;

    private Password(String secret, String source) {
        this.secret = Objects.requireNonNull(secret, "secret");
        this.source = Objects.requireNonNull(source, "source");
    }

    /** A password read from {@code source} (a description shown in messages, never the password). */
    public static Password of(String secret, String source) {
        return new Password(secret, source);
    }

    /** The password itself: pass it to the driver or the wire, never to a message. */
    public String reveal() {
        return secret;
    }

    /** Where it came from, for messages: "PGPASSWORD", "password file /home/ops/.pgpass", ... */
    public String source() {
        return source;
    }

    /** {@code *** (from SOURCE)}: never the password. */
    @Override
    public String toString() {
        return "*** (from " + source + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Password p && p.secret.equals(secret) && p.source.equals(source);
    }

    @Override
    public int hashCode() {
        return Objects.hash(secret, source);
    }
}
