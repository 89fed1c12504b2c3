package io.lockwarden.cli.internal.soak;

import io.lockwarden.LockKey;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * Locks the way applications using Lockwarden do. Until the core library's {@code AdvisoryLocks} is on
 * the classpath this takes the same transaction-scoped path with plain SQL. Thread-safe.
 */
public final class LibraryStrategy implements LockStrategy {
    private final XactRawStrategy delegate;

    /** Locks through connections of this pool, each attempt limited by {@code lockTimeout}. */
    public LibraryStrategy(DataSource pool, Duration lockTimeout) {
        this.delegate = new XactRawStrategy(pool, lockTimeout);
    }

    @Override
    public void withLock(LockKey key, CriticalSection work) throws Exception {
        delegate.withLock(key, work);
    }
}
