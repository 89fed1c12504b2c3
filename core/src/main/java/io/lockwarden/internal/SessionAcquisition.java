package io.lockwarden.internal;

import io.lockwarden.LockEvent;
import io.lockwarden.LockKey;
import io.lockwarden.LockMode;
import io.lockwarden.LockScope;
import io.lockwarden.LockTimeoutException;
import io.lockwarden.LockwardenException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Takes session-level locks (the state behind {@code SessionLock} and {@code LeaderLock}): on a
 * dedicated connection borrowed for the lock alone and pinned by an open transaction, or on a
 * connection the caller owns. On dedicated connections, when a {@link FencingTable} is configured, the
 * same round trip issues the lock's fencing token. Reports every outcome. Thread-safe.
 */
public final class SessionAcquisition {
    private final Connections connections;
    private final LockReporter reporter;
    private final FencingTable fencing;
    private final String idleBound;

    /**
     * @param fencing               the table issuing fencing tokens, or null for none
     * @param vanishedClientTimeout how long a dedicated connection may stay silent before the server ends
     *                              its session (and lock); zero to leave the server's setting
     */
    public SessionAcquisition(Connections connections, LockReporter reporter, FencingTable fencing,
                              Duration vanishedClientTimeout) {
        this.connections = connections;
        this.reporter = reporter;
        this.fencing = fencing;
        this.idleBound = vanishedClientTimeout.isZero() ? null : LockStatements.timeoutMillis(vanishedClientTimeout);
    }

    /**
     * Takes a session lock on a dedicated connection, kept out of the pool until released and pinned
     * to its server backend by an open transaction (see {@link PinnedSession}): safe behind a
     * transaction-pooling proxy, whatever server connection it hands out.
     *
     * @param timeout the longest wait; null means try once
     * @return the held lock, or null when a try found it busy
     * @throws LockwardenException for a timeout, an interruption or a driver failure (reported)
     */
    public HeldLock dedicated(LockKey key, LockMode mode, Duration timeout, LockScope scope) {
        Instant start = reporter.now();
        Connection c = connections.open(key);
        boolean keep = false;
        boolean originalAutoCommit = true;
        // Until the lock statement has answered, a failure may have left the lock granted on the session.
        boolean mayHoldLock = false;
        Throwable failure = null;
        try {
            originalAutoCommit = c.getAutoCommit();
            if (originalAutoCommit) {
                c.setAutoCommit(false);
            } else {
                c.rollback(); // start from a fresh transaction of our own
            }
            mayHoldLock = true;
            PinnedSession.Taken taken = take(c, key, mode, timeout);
            if (taken == null) {
                c.rollback();
                mayHoldLock = false;
                reporter.failed(attempt(key, mode, scope, start), LockStatements.busy(key), true);
                return null;
            }
            HeldLock held = new HeldLock(c, originalAutoCommit, key, mode, scope, taken.pin(), idleBound, taken.token(),
                    reporter.since(start), reporter);
            keep = true;
            return held;
        } catch (SQLException e) {
            failure = e;
            List<LockStatements.Holder> holders = List.of();
            if (LockTimeoutException.SQLSTATE.equals(e.getSQLState())) {
                // lock_timeout fires only while waiting: nothing was granted.
                mayHoldLock = !rollback(c, e);
                holders = mayHoldLock ? List.of() : LockStatements.holders(c, List.of(key));
            }
            throw failed(key, mode, scope, start, LockStatements.translate(e, List.of(key), timeout, holders));
        } catch (LockwardenException e) {
            failure = e;
            throw failed(key, mode, scope, start, e);
        } finally {
            if (keep) {
                // the connection now belongs to the held lock
            } else if (mayHoldLock) {
                // The lock may have been granted before the failure (a cancel racing the grant, a fencing
                // row that could not be written): end the session rather than pool a connection holding it.
                abortQuietly(c);
            } else {
                if (!originalAutoCommit) {
                    rollback(c, failure == null ? new IllegalStateException("returning the connection") : failure);
                }
                connections.finish(c, originalAutoCommit ? Boolean.TRUE : null, failure);
            }
        }
    }

    private PinnedSession.Taken take(Connection c, LockKey key, LockMode mode, Duration timeout) throws SQLException {
        try {
            return PinnedSession.lock(c, key, mode, timeout, idleBound, fencing);
        } catch (SQLException e) {
            if (fencing == null || !FencingTable.missing(e)) {
                throw e;
            }
            // The statement failed at planning, before locking anything: create the table and try again.
            c.rollback();
            fencing.create(c);
            c.commit();
            return PinnedSession.lock(c, key, mode, timeout, idleBound, fencing);
        }
    }

    private static boolean rollback(Connection c, Throwable cause) {
        try {
            c.rollback();
            return true;
        } catch (SQLException e) {
            cause.addSuppressed(e);
            return false;
        }
    }

    /**
     * Takes an exclusive session lock on the caller's connection, which stays the caller's.
     *
     * @param timeout the longest wait; null means try once
     * @return the held lock, or null when a try found it busy
     */
    public HeldLock on(Connection connection, LockKey key, Duration timeout) {
        Instant start = reporter.now();
        try {
            int pid = timeout == null ? LockStatements.tryLock(connection, key, LockMode.EXCLUSIVE, false)
                    : LockStatements.lock(connection, List.of(key), LockMode.EXCLUSIVE, false, timeout);
            if (pid == 0) {
                reporter.failed(attempt(key, LockMode.EXCLUSIVE, LockScope.SESSION, start), LockStatements.busy(key),
                        true);
                return null;
            }
            return new HeldLock(connection, key, LockMode.EXCLUSIVE, pid, reporter.since(start), reporter);
        } catch (SQLException e) {
            throw failed(key, LockMode.EXCLUSIVE, LockScope.SESSION, start, timeout == null
                    ? LockStatements.database(List.of(key), "trying session lock " + key, e)
                    : LockStatements.translate(e, List.of(key), timeout, List.of()));
        } catch (LockwardenException e) {
            throw failed(key, LockMode.EXCLUSIVE, LockScope.SESSION, start, e);
        }
    }

    private LockwardenException failed(LockKey key, LockMode mode, LockScope scope, Instant start,
                                       LockwardenException e) {
        reporter.failed(attempt(key, mode, scope, start), e, false);
        return e;
    }

    private LockEvent attempt(LockKey key, LockMode mode, LockScope scope, Instant start) {
        return new LockEvent(key, scope, mode, 0, reporter.since(start), Duration.ZERO);
    }

    private void abortQuietly(Connection c) {
        try {
            c.abort(Runnable::run);
        } catch (SQLException | RuntimeException e) {
            reporter.warn("cannot abort a connection whose fenced lock statement failed: {}", e.toString());
        } finally {
            try {
                c.close();
            } catch (SQLException e) {
                reporter.warn("closing an aborted connection failed: {}", e.toString());
            }
        }
    }
}
