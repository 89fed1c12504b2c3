package io.lockwarden.cli.internal.soak;

import io.lockwarden.LockKey;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * Plain SQL done right: {@code pg_advisory_xact_lock} inside a transaction with a server-side
 * {@code lock_timeout}; the lock ends with COMMIT or ROLLBACK whatever happens. Thread-safe.
 */
public final class XactRawStrategy implements LockStrategy {
    private final DataSource pool;
    private final Duration lockTimeout;

    /** Locks through connections of this pool, each attempt limited by {@code lockTimeout} on the server. */
    public XactRawStrategy(DataSource pool, Duration lockTimeout) {
        this.pool = pool;
        this.lockTimeout = lockTimeout;
    }

    @Override
    public void withLock(LockKey key, CriticalSection work) throws Exception {
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("SELECT set_config('lock_timeout', '" + lockTimeout.toMillis() + "ms', true), "
                        + "pg_advisory_xact_lock(" + key.sqlArguments() + ")");
                work.run(c);
                c.commit();
            } catch (Exception e) {
                SessionRawStrategy.rollbackQuietly(c);
                throw e;
            }
        }
    }
}
