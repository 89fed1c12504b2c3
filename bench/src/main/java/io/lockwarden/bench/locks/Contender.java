package io.lockwarden.bench.locks;

import io.lockwarden.AdvisoryLocks;
import io.lockwarden.LockKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import javax.sql.DataSource;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.SimpleLock;
import net.javacrumbs.shedlock.provider.jdbc.JdbcLockProvider;
import org.springframework.integration.jdbc.lock.JdbcLockRegistry;

/**
 * A way to run one unit of work under a lock on a key, as the contention benchmark drives it: each
 * lock library used the way its documentation shows. Implementations are thread-safe unless they say
 * which thread owns them.
 */
interface Contender {
    /** What the contender does with the protected unit, told back to the benchmark. */
    interface Body {
        /** Runs the work on {@code c}; called once the lock is held. */
        void run(Connection c) throws Exception;
    }

    /** The outcome of one attempt. */
    enum Outcome { DONE, SKIPPED, TIMED_OUT }

    /**
     * Runs {@code body} under the lock on {@code key}, giving up at {@code deadlineNanos} (System.nanoTime).
     */
    Outcome run(int key, long deadlineNanos, Body body) throws Exception;

    /** Lockwarden's {@code withLock}: the work runs in the lock's transaction, the wait is on the server. */
    static Contender lockwarden(DataSource pool) {
        AdvisoryLocks locks = AdvisoryLocks.using(pool);
        return (key, deadline, body) -> {
            locks.withLock(LockKey.of(1_000_000L + key), Duration.ofSeconds(60), c -> {
                body.run(c);
                return null;
            });
            return Outcome.DONE;
        };
    }

    /** {@code SELECT 1 FROM bench_lock WHERE id = ? FOR UPDATE} in the work's transaction. */
    static Contender forUpdate(DataSource pool) {
        return (key, deadline, body) -> {
            try (Connection c = pool.getConnection()) {
                c.setAutoCommit(false);
                try {
                    try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM bench_lock WHERE id = ? FOR UPDATE")) {
                        ps.setInt(1, key);
                        ps.executeQuery().close();
                    }
                    body.run(c);
                    c.commit();
                } catch (Exception | Error e) {
                    c.rollback();
                    throw e;
                }
            }
            return Outcome.DONE;
        };
    }

    /**
     * Spring Integration's {@link JdbcLockRegistry} over its {@code DefaultLockRepository} (table
     * {@code INT_LOCK}, defaults: 10 s time to live, 100 ms between tries), {@code tryLock} bounded by
     * the deadline; the work runs in its own autocommit statement on a pooled connection, as code using
     * the registry does. One registry is one application instance.
     */
    static Contender springIntegration(DataSource pool, String clientId) {
        JdbcLockRegistry registry = Handoff.registry(pool, clientId);
        return (key, deadline, body) -> {
            Lock lock = registry.obtain("k" + key);
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0 || !lock.tryLock(remaining, TimeUnit.NANOSECONDS)) {
                return Outcome.TIMED_OUT;
            }
            try (Connection c = pool.getConnection()) {
                body.run(c);
            } finally {
                lock.unlock();
            }
            return Outcome.DONE;
        };
    }

    /**
     * ShedLock's plain-JDBC {@link JdbcLockProvider} (table {@code shedlock}): one try, skipped when the
     * lock is held (ShedLock never waits); lockAtMostFor 30 s, lockAtLeastFor 0; the work runs in its own
     * autocommit statement.
     */
    static Contender shedLock(DataSource pool) {
        JdbcLockProvider provider = new JdbcLockProvider(pool);
        return (key, deadline, body) -> {
            Optional<SimpleLock> lock = provider.lock(new LockConfiguration(Instant.now(), "k" + key,
                    Duration.ofSeconds(30), Duration.ZERO));
            if (lock.isEmpty()) {
                return Outcome.SKIPPED;
            }
            try (Connection c = pool.getConnection()) {
                body.run(c);
            } finally {
                lock.get().unlock();
            }
            return Outcome.DONE;
        };
    }
}
