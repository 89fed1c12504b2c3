package io.lockwarden.bench.locks;

import io.lockwarden.AdvisoryLocks;
import io.lockwarden.LockKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;
import javax.sql.DataSource;
import org.springframework.integration.jdbc.lock.DefaultLockRepository;
import org.springframework.integration.jdbc.lock.JdbcLockRegistry;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;

/**
 * One way a waiter learns that a lock was released, for the hand-off benchmark: a holder that takes
 * and releases the lock on a key, and a waiter that blocks until it holds it. Server-side waits are
 * queued in PostgreSQL's lock manager; the polling ones try and sleep at the interval of the tool they
 * emulate. Thread-safe: trials on distinct keys run in parallel.
 */
abstract class Handoff {
    final String name;
    /** The poll interval, or zero for a wait queued on the server. */
    final Duration interval;

    Handoff(String name, Duration interval) {
        this.name = name;
        this.interval = interval;
    }

    /** Takes the lock on {@code key} for the holder. */
    abstract void hold(int key) throws Exception;

    /** Releases the holder's lock on {@code key}; returns System.nanoTime() taken right before releasing. */
    abstract long release(int key) throws Exception;

    /** Blocks until the waiter holds {@code key}; returns System.nanoTime() at acquisition, then releases. */
    abstract long await(int key) throws Exception;

    /** A holder keeping a session-level advisory lock on a dedicated pooled connection. */
    abstract static class AdvisoryHolder extends Handoff {
        private final DataSource pool;
        private final Map<Integer, Connection> held = new ConcurrentHashMap<>();

        AdvisoryHolder(String name, Duration interval, DataSource pool) {
            super(name, interval);
            this.pool = pool;
        }

        @Override
        void hold(int key) throws SQLException {
            Connection c = pool.getConnection();
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_lock(?)")) {
                ps.setLong(1, key);
                ps.executeQuery().close();
            }
            held.put(key, c);
        }

        @Override
        long release(int key) throws SQLException {
            Connection c = held.remove(key);
            long t0 = System.nanoTime();
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_unlock(?)")) {
                ps.setLong(1, key);
                ps.executeQuery().close();
            } finally {
                c.close();
            }
            return t0;
        }
    }

    /** Lockwarden's {@code withLock}: the waiter is queued on the server and woken by the release. */
    static Handoff lockwarden(DataSource pool) {
        AdvisoryLocks locks = AdvisoryLocks.using(pool);
        return new AdvisoryHolder("Lockwarden withLock (server-side wait)", Duration.ZERO, pool) {
            @Override
            long await(int key) {
                long[] at = {0};
                locks.withLock(LockKey.of(key), Duration.ofSeconds(60), c -> {
                    at[0] = System.nanoTime();
                    return null;
                });
                return at[0];
            }
        };
    }

    /**
     * Flyway's PostgreSQL lock, emulated: {@code pg_try_advisory_xact_lock} in a transaction, retried at
     * 1 s intervals (Flyway's documented {@code lockRetryCount} behaviour).
     */
    static Handoff flywayStyle(DataSource pool) {
        return new AdvisoryHolder("Flyway-style try + 1 s sleep (emulated)", Duration.ofSeconds(1), pool) {
            @Override
            long await(int key) throws Exception {
                try (Connection c = pool.getConnection()) {
                    c.setAutoCommit(false);
                    while (true) {
                        try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_xact_lock(?)")) {
                            ps.setLong(1, key);
                            try (ResultSet rs = ps.executeQuery()) {
                                rs.next();
                                if (rs.getBoolean(1)) {
                                    long t = System.nanoTime();
                                    c.commit();
                                    return t;
                                }
                            }
                        }
                        c.rollback();
                        Thread.sleep(interval.toMillis());
                    }
                }
            }
        };
    }

    /**
     * Liquibase's DATABASECHANGELOGLOCK, emulated on table {@code bench_changeloglock}: a conditional
     * {@code UPDATE ... SET locked = true WHERE id = ? AND NOT locked}, retried every 10 s (Liquibase's
     * default {@code changeLogLockPollRate}).
     */
    static Handoff liquibaseStyle(DataSource pool) {
        return new Handoff("Liquibase-style lock row + 10 s poll (emulated)", Duration.ofSeconds(10)) {
            @Override
            void hold(int key) throws Exception {
                if (!tryRow(key, "holder")) {
                    throw new IllegalStateException("lock row " + key + " is already locked");
                }
            }

            @Override
            long release(int key) throws SQLException {
                long t0 = System.nanoTime();
                freeRow(key);
                return t0;
            }

            @Override
            long await(int key) throws Exception {
                while (!tryRow(key, "waiter")) {
                    Thread.sleep(interval.toMillis());
                }
                long t = System.nanoTime();
                freeRow(key);
                return t;
            }

            private boolean tryRow(int key, String by) throws SQLException {
                try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(
                        "UPDATE bench_changeloglock SET locked = true, lockgranted = now(), lockedby = ? "
                                + "WHERE id = ? AND NOT locked")) {
                    ps.setString(1, by);
                    ps.setInt(2, key);
                    return ps.executeUpdate() == 1;
                }
            }

            private void freeRow(int key) throws SQLException {
                try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(
                        "UPDATE bench_changeloglock SET locked = false, lockgranted = NULL, lockedby = NULL WHERE id = ?")) {
                    ps.setInt(1, key);
                    ps.executeUpdate();
                }
            }
        };
    }

    /**
     * Spring Integration's real {@link JdbcLockRegistry} (default 100 ms between tries): holder and
     * waiter are two registries, as two application instances would be.
     */
    static Handoff springIntegration(DataSource pool) {
        JdbcLockRegistry holder = registry(pool, "22222222-2222-2222-2222-222222222222");
        JdbcLockRegistry waiter = registry(pool, "33333333-3333-3333-3333-333333333333");
        return new Handoff("Spring JdbcLockRegistry, 100 ms between tries (real)", Duration.ofMillis(100)) {
            private final Map<Integer, Lock> held = new ConcurrentHashMap<>();

            @Override
            void hold(int key) {
                Lock lock = holder.obtain("handoff-" + key);
                lock.lock();
                held.put(key, lock);
            }

            @Override
            long release(int key) {
                Lock lock = held.remove(key);
                long t0 = System.nanoTime();
                lock.unlock();
                return t0;
            }

            @Override
            long await(int key) {
                Lock lock = waiter.obtain("handoff-" + key);
                lock.lock();
                long t = System.nanoTime();
                lock.unlock();
                return t;
            }
        };
    }

    static JdbcLockRegistry registry(DataSource pool, String clientId) {
        DefaultLockRepository repository = new DefaultLockRepository(pool, clientId);
        repository.setTransactionManager(new DataSourceTransactionManager(pool));
        repository.afterPropertiesSet();
        repository.afterSingletonsInstantiated();
        return new JdbcLockRegistry(repository);
    }
}
