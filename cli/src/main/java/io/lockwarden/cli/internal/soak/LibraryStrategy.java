package io.lockwarden.cli.internal.soak;

import io.lockwarden.AdvisoryLocks;
import io.lockwarden.LockKey;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * Locks the way applications using Lockwarden do: {@link AdvisoryLocks#withLock(LockKey, Duration,
 * io.lockwarden.SqlWork)}, a transaction-scoped lock that ends with the commit or the rollback. Thread-safe.
 */
public final class LibraryStrategy implements LockStrategy {
    private final AdvisoryLocks locks;
    private final Duration lockTimeout;

    /** Locks through connections of this pool, each attempt limited by {@code lockTimeout} on the server. */
    public LibraryStrategy(DataSource pool, Duration lockTimeout) {
        this.locks = AdvisoryLocks.using(pool);
        this.lockTimeout = lockTimeout;
    }

    @Override
    public void withLock(LockKey key, CriticalSection work) {
        locks.withLock(key, lockTimeout, connection -> {
            work.run(connection);
            return null;
        });
    }
}
