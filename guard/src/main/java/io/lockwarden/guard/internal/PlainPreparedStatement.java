package io.lockwarden.guard.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;

/**
 * A prepared statement of a guarded connection whose text does not mention advisory locks: nothing to track,
 * since a PreparedStatement only ever runs its own text (pgjdbc refuses the query-string methods on one). It
 * forwards everything, and answers {@code getConnection()} with the guarded connection so that code reaching the
 * connection through its statement stays behind the guard. Used by one thread at a time, as JDBC statements are.
 */
final class PlainPreparedStatement extends ForwardingPreparedStatement {
    private final PreparedStatement raw;
    private final ConnectionGuard connection;

    PlainPreparedStatement(PreparedStatement raw, ConnectionGuard connection) {
        super(raw);
        this.raw = raw;
        this.connection = connection;
    }

    @Override
    public Connection getConnection() {
        return connection;
    }

    @Override
    public String toString() {
        return "Lockwarden-guarded " + raw;
    }
}
