package io.lockwarden.internal;

import io.lockwarden.LockKey;
import io.lockwarden.LockLostException;
import io.lockwarden.LockMode;
import java.sql.Connection;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * The argument checks of {@code AdvisoryLocks}' public methods: each refuses a bad argument with an
 * {@link IllegalArgumentException} whose message says what to pass instead. Stateless; thread-safe.
 */
public final class ApiArguments {
    private ApiArguments() {
    }

    /** A PostgreSQL connection. @throws IllegalArgumentException when null or not PostgreSQL */
    public static void requireConnection(Connection connection) {
        if (connection == null) {
            throw new IllegalArgumentException("connection must not be null: pass the JDBC connection to lock on");
        }
        Connections.requirePostgres(connection, "connection " + connection.getClass().getName());
    }

    /** A key. @throws IllegalArgumentException when null */
    public static void requireKey(LockKey key) {
        if (key == null) {
            throw new IllegalArgumentException("lock key must not be null: pass a LockKey, e.g. "
                    + "LockKey.named(\"billing\", \"invoice-42\")");
        }
    }

    /** A mode, returned. @throws IllegalArgumentException when null */
    public static LockMode requireMode(LockMode mode) {
        if (mode == null) {
            throw new IllegalArgumentException("lock mode must not be null: LockMode.EXCLUSIVE or LockMode.SHARED");
        }
        return mode;
    }

    /** A positive timeout, returned. @throws IllegalArgumentException when null, zero or negative */
    public static Duration requireTimeout(Duration timeout) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("lock timeout must be positive, got " + timeout + ": pass how long to "
                    + "wait, e.g. Duration.ofSeconds(5); to not wait at all, use the try-lock methods");
        }
        return timeout;
    }

    /** The work, returned. @throws IllegalArgumentException when null */
    public static <W> W requireWork(W work) {
        if (work == null) {
            throw new IllegalArgumentException("work must not be null: pass what to run under the lock, "
                    + "e.g. connection -> { ...; return result; }");
        }
        return work;
    }

    /** A loss callback. @throws IllegalArgumentException when null */
    public static void requireCallback(Consumer<LockLostException> onLost) {
        if (onLost == null) {
            throw new IllegalArgumentException("onLost must not be null: pass what to do when leadership is lost "
                    + "(typically stop the leader's work), e.g. lost -> scheduler.stop()");
        }
    }
}
