package io.lockwarden.internal;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The session locks Lockwarden took on one guarded connection and that are still held; the pool
 * guard releases and reports them when the connection is returned. Thread-safe.
 */
public final class LockLedger {
    private final Set<HeldLock> held = new LinkedHashSet<>();

    /** The ledger of a connection handed out by the pool guard, or null for any other connection. */
    static LockLedger of(Connection connection) {
        return connection instanceof GuardedConnection g ? g.lockLedger() : null;
    }

    synchronized void add(HeldLock lock) {
        held.add(lock);
    }

    synchronized void remove(HeldLock lock) {
        held.remove(lock);
    }

    /** Releases and reports every lock still held, on the raw connection, before it goes back to the pool. */
    void releaseAll(Connection raw) {
        List<HeldLock> still;
        synchronized (this) {
            still = new ArrayList<>(held);
            held.clear();
        }
        for (HeldLock lock : still) {
            lock.releaseOnReturn(raw);
        }
    }
}
