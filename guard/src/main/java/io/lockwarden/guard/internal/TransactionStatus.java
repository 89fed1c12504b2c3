package io.lockwarden.guard.internal;

import java.sql.Connection;
import java.sql.SQLException;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TransactionState;

/**
 * The server's transaction status of a connection, as pgjdbc last read it from the server's ReadyForQuery
 * message: no round trip. Stateless.
 */
final class TransactionStatus {
    /** Outside a transaction, inside one, or inside one that an error aborted. */
    enum State {
        IDLE, OPEN, FAILED
    }

    private TransactionStatus() {
    }

    /**
     * The status of a pgjdbc connection (through any wrapper that unwraps to it); for another driver, OPEN when
     * autocommit is off and IDLE when it is on.
     */
    static State of(Connection raw) throws SQLException {
        if (raw.isWrapperFor(BaseConnection.class)) {
            TransactionState s = raw.unwrap(BaseConnection.class).getTransactionState();
            return switch (s) {
                case IDLE -> State.IDLE;
                case OPEN -> State.OPEN;
                case FAILED -> State.FAILED;
            };
        }
        return raw.getAutoCommit() ? State.IDLE : State.OPEN;
    }
}
