package io.lockwarden.cli.internal.soak;

import io.lockwarden.LockKey;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * The bug the soak exists to catch, reproduced on purpose: a session-level {@code pg_advisory_lock} taken
 * inside a transaction and released only when the work succeeds. When the work throws, the transaction
 * rolls back, the connection goes back to the pool, and the lock stays with it (and with every client
 * the pool or a transaction-mode pooler later hands that server session to). Thread-safe.
 */
public final class SessionRawStrategy implements LockStrategy {
    private final DataSource pool;
    private final Duration lockTimeout;

    /** Locks through connections of this pool, each attempt limited by {@code lockTimeout} on the server. */
    public SessionRawStrategy(DataSource pool, Duration lockTimeout) {
        this.pool = pool;
        this.lockTimeout = lockTimeout;
    }

    @Override
    public void withLock(LockKey key, CriticalSection work) throws Exception {
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("SET LOCAL lock_timeout = '" + lockTimeout.toMillis() + "ms'");
                // lockwarden:ignore all session-raw mode reproduces the seed bug on purpose
                st.execute("SELECT pg_advisory_lock(" + key.sqlArguments() + ")");
                work.run(c);
                // commit before the unlock: unlocking first would let the next holder read the counter before
                // this write is visible, a race of its own that would hide whether the leak is the failure
                c.commit();
                // lockwarden:ignore LW105 part of the deliberately naive pattern
                st.execute("SELECT pg_advisory_unlock(" + key.sqlArguments() + ")");
            } catch (Exception e) {
                rollbackQuietly(c); // the bug: ROLLBACK does not release a session-level lock
                throw e;
            }
        }
    }

    static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (Exception ignored) {
            // the connection may be dead (terminated or killed on purpose): nothing to roll back
        }
    }
}
