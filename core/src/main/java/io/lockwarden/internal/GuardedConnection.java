package io.lockwarden.internal;

/** Implemented by the connections the pool guard hands out, so that Lockwarden finds their ledger. */
public interface GuardedConnection {
    /** The locks taken through Lockwarden on this connection and still held. */
    LockLedger lockLedger();
}
