package io.lockwarden.internal;

import io.lockwarden.CommitOutcomeUnknownException;
import io.lockwarden.LockEvent;
import io.lockwarden.LockKey;
import io.lockwarden.LockMode;
import io.lockwarden.LockNotAvailableException;
import io.lockwarden.LockScope;
import io.lockwarden.LockTimeoutException;
import io.lockwarden.LockedWorkException;
import io.lockwarden.LockwardenException;
import io.lockwarden.SqlWork;
import io.lockwarden.UnsafeLockUsageException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Transaction-level advisory locks: work run in its own transaction under a lock ({@code withLock},
 * {@code tryWithLock}, {@code withLocks}), and locks taken in the caller's open transaction
 * ({@code lockInTransaction}, {@code tryLockInTransaction}), each reported to the listener. Arguments are
 * checked by the caller. Thread-safe: state is per call.
 */
public final class TransactionLocks {
    private final Connections connections;
    private final LockReporter reporter;
    private final String idleBound;

    /**
     * Locks on connections from {@code connections}, reporting to {@code reporter}.
     *
     * @param vanishedClientTimeout the {@code idle_in_transaction_session_timeout} of Lockwarden's own
     *                              transactions; zero leaves the server's setting
     */
    public TransactionLocks(Connections connections, LockReporter reporter, Duration vanishedClientTimeout) {
        this.connections = connections;
        this.reporter = reporter;
        this.idleBound = vanishedClientTimeout.isZero() ? null : LockStatements.timeoutMillis(vanishedClientTimeout);
    }

    /** What {@link #run} returns when a try found the lock busy. */
    public static final Object NOT_ACQUIRED = new Object();

    /**
     * Runs work in its own transaction after locking {@code keys} (one statement; ordered by the caller);
     * {@code timeout == null} means try once and return {@link #NOT_ACQUIRED} when busy. Commits when the work
     * returns, rolls back when it throws; restores autocommit and closes the connection.
     *
     * @throws io.lockwarden.LockwardenException subtypes as {@code AdvisoryLocks.withLock} documents
     */
    public Object run(List<LockKey> keys, LockMode mode, Duration timeout, SqlWork<?> work) {
        LockKey first = keys.get(0);
        Instant start = reporter.now();
        Connection c = connections.open(first);
        boolean restoreAutoCommit = false;
        Throwable failure = null;
        Instant acquiredAt = null;
        int pid = 0;
        try {
            restoreAutoCommit = c.getAutoCommit();
            if (restoreAutoCommit) {
                c.setAutoCommit(false);
            }
            try {
                if (timeout == null) {
                    pid = LockStatements.tryLock(c, first, mode, true, idleBound);
                    if (pid == 0) {
                        c.rollback();
                        reporter.failed(event(first, mode, LockScope.TRANSACTION, start), busy(first), true);
                        return NOT_ACQUIRED;
                    }
                } else if (keys.size() == 1) {
                    // A free lock is taken without touching lock_timeout (setting and restoring it cost the
                    // server more than the lock itself); only a busy one waits, with the timeout, in a
                    // second statement. A try never jumps the queue: PostgreSQL refuses it while others wait.
                    pid = LockStatements.tryLock(c, first, mode, true, idleBound);
                    if (pid == 0) {
                        pid = LockStatements.lock(c, keys, mode, true, timeout, idleBound);
                    }
                } else {
                    // Several keys are taken in one ordered statement: trying them all at once could leave
                    // later keys held while waiting for an earlier one, which is how deadlocks start.
                    pid = LockStatements.lock(c, keys, mode, true, timeout, idleBound);
                }
            } catch (SQLException e) {
                rollbackQuietly(c, e);
                List<LockStatements.Holder> holders = LockTimeoutException.SQLSTATE.equals(e.getSQLState())
                        ? LockStatements.holders(c, keys) : List.of();
                throw failed(first, mode, LockScope.TRANSACTION, start,
                        LockStatements.translate(e, keys, timeout, holders));
            } catch (LockwardenException e) {
                rollbackQuietly(c, e);
                throw failed(first, mode, LockScope.TRANSACTION, start, e);
            }
            acquiredAt = reporter.now();
            Duration waited = Duration.between(start, acquiredAt);
            for (LockKey key : keys) {
                reporter.acquired(new LockEvent(key, LockScope.TRANSACTION, mode, pid, waited, Duration.ZERO));
            }
            Object result;
            try {
                result = work.run(c);
            } catch (Throwable t) {
                failure = t;
                rollbackQuietly(c, t);
                throw workFailure(first, t);
            }
            try {
                if (c.getAutoCommit()) {
                    UnsafeLockUsageException e = new UnsafeLockUsageException(first, "the work under lock "
                            + LockStatements.describe(keys) + " switched the connection to autocommit, which committed "
                            + "its transaction and released the lock before the work finished: part of the work ran "
                            + "unprotected. Fix: never change autocommit, commit or roll back inside SqlWork; "
                            + "Lockwarden commits when the work returns.");
                    failure = e;
                    reporter.failed(event(first, mode, LockScope.TRANSACTION, start), e, false);
                    throw e;
                }
                c.commit();
            } catch (SQLException e) {
                failure = e;
                if (LockStatements.sessionEnded(e)) {
                    // The COMMIT may have reached the server and only its reply been lost.
                    throw new CommitOutcomeUnknownException(first, pid, "the connection failed while committing the "
                            + "work done under lock " + LockStatements.describe(keys) + " on backend pid " + pid + " ("
                            + e.getMessage() + ", SQLSTATE " + e.getSQLState() + "): the server may have committed it "
                            + "or not; only the database can tell. The lock is released (the session ended, or the "
                            + "server ends it within the vanished-client timeout). Next: look up whether the work's "
                            + "effects are in the database before retrying it; retrying blindly may apply it twice.", e);
                }
                rollbackQuietly(c, e);
                throw LockStatements.database(keys, "committing the work done under lock " + LockStatements.describe(keys)
                        + " (the server refused the COMMIT, so nothing was committed; the lock is released)", e);
            }
            return result;
        } catch (SQLException e) {
            failure = e;
            throw LockStatements.database(keys, "preparing the transaction for lock " + LockStatements.describe(keys), e);
        } finally {
            if (acquiredAt != null) {
                Duration held = reporter.since(acquiredAt);
                for (LockKey key : keys) {
                    reporter.released(new LockEvent(key, LockScope.TRANSACTION, mode, pid, Duration.ZERO, held));
                }
            }
            connections.finish(c, restoreAutoCommit, failure);
        }
    }

    private static RuntimeException workFailure(LockKey key, Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        if (t instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        return new LockedWorkException(key, t);
    }

    private LockwardenException failed(LockKey key, LockMode mode, LockScope scope, Instant start, LockwardenException e) {
        reporter.failed(event(key, mode, scope, start), e, false);
        return e;
    }

    private LockEvent event(LockKey key, LockMode mode, LockScope scope, Instant start) {
        return new LockEvent(key, scope, mode, 0, reporter.since(start), Duration.ZERO);
    }

    private static LockNotAvailableException busy(LockKey key) {
        return LockStatements.busy(key);
    }

    private static void rollbackQuietly(Connection c, Throwable cause) {
        try {
            c.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    private void requireOwnTransaction(Connection connection, LockKey key) {
        ApiArguments.requireConnection(connection);
        boolean autoCommit;
        try {
            autoCommit = connection.getAutoCommit();
        } catch (SQLException e) {
            throw LockStatements.database(List.of(key), "reading the autocommit mode of the caller's connection", e);
        }
        if (autoCommit) {
            UnsafeLockUsageException e = new UnsafeLockUsageException(key, "refusing a transaction-level lock on "
                    + key + " on a connection in autocommit mode: each statement is its own transaction there, so "
                    + "the lock would be released as soon as the locking statement ends and would protect nothing. "
                    + "Fix: call connection.setAutoCommit(false) (or run inside your framework's transaction, e.g. "
                    + "@Transactional) before locking, or use AdvisoryLocks.withLock, which manages the transaction.");
            reporter.failed(event(key, LockMode.EXCLUSIVE, LockScope.TRANSACTION, reporter.now()), e, false);
            throw e;
        }
    }

    /**
     * Takes the lock in the caller's open transaction, waiting up to {@code timeout}.
     *
     * @throws UnsafeLockUsageException when the connection is in autocommit mode
     * @throws LockwardenException      subtypes as {@code AdvisoryLocks.lockInTransaction} documents
     */
    public void lockIn(Connection connection, LockKey key, LockMode mode, Duration timeout) {
        requireOwnTransaction(connection, key);
        Instant start = reporter.now();
        try {
            int pid = LockStatements.lock(connection, List.of(key), mode, true, timeout);
            reporter.acquired(new LockEvent(key, LockScope.TRANSACTION, mode, pid, reporter.since(start), Duration.ZERO));
        } catch (SQLException e) {
            LockwardenException failure = LockStatements.translate(e, List.of(key), timeout,
                    LockTimeoutException.SQLSTATE.equals(e.getSQLState()) ? holdersElsewhere(key) : List.of());
            reporter.failed(event(key, mode, LockScope.TRANSACTION, start), failure, false);
            throw failure;
        } catch (LockwardenException e) {
            reporter.failed(event(key, mode, LockScope.TRANSACTION, start), e, false);
            throw e;
        }
    }

    /**
     * Who holds {@code key}, looked up on a connection of Lockwarden's own: the caller's transaction is
     * aborted by the timeout and cannot be asked. Best effort and bounded: when the pool has no connection
     * to spare within a second, the message goes without the holders (the late connection is returned).
     */
    private List<LockStatements.Holder> holdersElsewhere(LockKey key) {
        CompletableFuture<List<LockStatements.Holder>> lookup = CompletableFuture.supplyAsync(() -> {
            Connection c = connections.open(key);
            try {
                return LockStatements.holders(c, List.of(key));
            } finally {
                connections.finish(c, null, null);
            }
        }, task -> {
            Thread t = new Thread(task, "lockwarden-holders");
            t.setDaemon(true);
            t.start();
        });
        try {
            return lookup.get(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        } catch (ExecutionException | TimeoutException e) {
            return List.of();
        }
    }

    /**
     * Takes the lock in the caller's open transaction if it is free right now.
     *
     * @return true when acquired, false when busy
     * @throws UnsafeLockUsageException when the connection is in autocommit mode
     * @throws LockwardenException      subtypes as {@code AdvisoryLocks.tryLockInTransaction} documents
     */
    public boolean tryLockIn(Connection connection, LockKey key, LockMode mode) {
        requireOwnTransaction(connection, key);
        Instant start = reporter.now();
        try {
            int pid = LockStatements.tryLock(connection, key, mode, true);
            if (pid == 0) {
                reporter.failed(event(key, mode, LockScope.TRANSACTION, start), busy(key), true);
                return false;
            }
            reporter.acquired(new LockEvent(key, LockScope.TRANSACTION, mode, pid, reporter.since(start), Duration.ZERO));
            return true;
        } catch (SQLException e) {
            LockwardenException failure = LockStatements.database(List.of(key), "trying advisory lock " + key, e);
            reporter.failed(event(key, mode, LockScope.TRANSACTION, start), failure, false);
            throw failure;
        }
    }
}
