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
 * dedicated connection borrowed for the lock alone, or on a connection the caller owns. On dedicated
 * connections, when a {@link FencingTable} is configured, the same round trip issues the lock's
 * fencing token. Reports every outcome. Thread-safe.
 */
public final class SessionAcquisition {
    private final Connections connections;
    private final LockReporter reporter;
    private final FencingTable fencing;

    /**
     * @param fencing the table issuing fencing tokens, or null for none
     */
    public SessionAcquisition(Connections connections, LockReporter reporter, FencingTable fencing) {
        this.connections = connections;
        this.reporter = reporter;
        this.fencing = fencing;
    }

    /**
     * Takes a session lock on a dedicated connection, kept out of the pool until released.
     *
     * @param timeout the longest wait; null means try once
     * @return the held lock, or null when a try found it busy
     * @throws LockwardenException for a timeout, an interruption or a driver failure (reported)
     */
    public HeldLock dedicated(LockKey key, LockMode mode, Duration timeout, LockScope scope) {
        Instant start = reporter.now();
        Connection c = connections.open(key);
        boolean keep = false;
        boolean restoreAutoCommit = false;
        boolean statementFailed = true;
        try {
            restoreAutoCommit = !c.getAutoCommit();
            if (restoreAutoCommit) {
                c.setAutoCommit(true);
            }
            FencingTable.Issued issued = fencing == null
                    ? new FencingTable.Issued(timeout == null ? LockStatements.tryLock(c, key, mode, false)
                            : LockStatements.lock(c, List.of(key), mode, false, timeout), 0)
                    : timeout == null ? fencing.tryLock(c, key, mode) : fencing.lock(c, key, mode, timeout);
            statementFailed = false;
            if (issued.pid() == 0) {
                reporter.failed(attempt(key, mode, scope, start), LockStatements.busy(key), true);
                return null;
            }
            HeldLock held = new HeldLock(c, true, restoreAutoCommit, key, mode, scope, issued.pid(), issued.token(),
                    reporter.since(start), reporter);
            keep = true;
            return held;
        } catch (SQLException e) {
            List<LockStatements.Holder> holders = LockTimeoutException.SQLSTATE.equals(e.getSQLState())
                    ? LockStatements.holders(c, List.of(key)) : List.of();
            throw failed(key, mode, scope, start, LockStatements.translate(e, List.of(key), timeout, holders));
        } catch (LockwardenException e) {
            throw failed(key, mode, scope, start, e);
        } finally {
            if (keep) {
                // the connection now belongs to the held lock
            } else if (fencing != null && statementFailed) {
                // A fenced statement that failed after its lock was granted (e.g. a row-lock timeout on the
                // fencing table) would leave the session lock behind: end the session rather than pool it.
                abortQuietly(c);
            } else {
                connections.finish(c, restoreAutoCommit ? false : null, null);
            }
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
            return new HeldLock(connection, false, false, key, LockMode.EXCLUSIVE, LockScope.SESSION, pid, 0,
                    reporter.since(start), reporter);
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
