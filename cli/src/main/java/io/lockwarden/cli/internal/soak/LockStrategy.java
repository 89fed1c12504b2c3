package io.lockwarden.cli.internal.soak;

import io.lockwarden.LockKey;
import java.sql.SQLException;

/** How a soak worker takes a lock around its critical section; one implementation per {@link SoakMode}. */
public interface LockStrategy {
    /**
     * Takes the lock on {@code key}, runs {@code work} while holding it, and lets go (or, for the raw
     * session mode, fails to on purpose).
     *
     * @throws SQLException when the lock or the work fails in the database (lock timeouts: SQLSTATE 55P03)
     * @throws RuntimeException what the work throws, e.g. {@link InjectedFault}
     */
    void withLock(LockKey key, CriticalSection work) throws Exception;
}
