package io.lockwarden.internal;

import java.sql.Connection;

/** Implemented by the connections the pool guard hands out, so that Lockwarden finds their ledger. */
public interface GuardedConnection {
    /** The locks taken through Lockwarden on this connection and still held. */
    LockLedger lockLedger();

    /** The pool's connection behind the guard. */
    Connection rawConnection();
}
