package io.lockwarden.internal;

import io.lockwarden.LockKey;
import io.lockwarden.LockMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;

/**
 * The statements of a session lock held on a pinned connection: Lockwarden's dedicated connection
 * keeps a transaction open from the statement that takes the lock to the one that releases it.
 *
 * <p>Why: a transaction-pooling proxy (PgBouncer {@code pool_mode = transaction}) hands a client's
 * server connection to other clients as soon as a transaction ends, so a session lock taken in
 * autocommit belongs to whichever client lands on that server connection next. Inside an open
 * transaction the server connection stays this client's, so the lock, the heartbeats and the unlock all
 * run on the backend that locked, whatever sits in between. The transaction never writes (no xid, no
 * snapshot kept between statements under READ COMMITTED); it is "idle in transaction" between heartbeats.
 *
 * <p>The pin is proven by {@code pg_backend_pid()} and {@code now()} (the transaction's start): both
 * unchanged means the same transaction on the same backend, which nobody else can have used, so the
 * session lock taken in it is still held (only the session itself can unlock it, and only Lockwarden
 * runs statements on a dedicated connection). That proof costs the same whatever the lock table holds.
 *
 * <p>With {@code vanishedClientTimeout}, every transaction also sets
 * {@code idle_in_transaction_session_timeout} for itself, so a client that stops talking (crash,
 * partition) has its session, and its lock, ended by the server within that bound. Stateless and
 * thread-safe.
 */
public final class PinnedSession {
    private PinnedSession() {
    }

    /** What proves the pin: the backend and the start of the transaction the lock was taken in. */
    public record Pin(int pid, String transactionStart) {
    }

    /** A held pinned lock as taken: its pin and its fencing token (0 when none). */
    public record Taken(Pin pin, long token) {
    }

    /**
     * Takes the session lock inside the connection's open transaction (autocommit must be off), in one
     * round trip (pgjdbc sends the BEGIN in the same flight); with {@code fencing}, also issues and
     * commits the token and opens the next transaction in that flight.
     *
     * @param timeout   the longest wait (server-side {@code lock_timeout}); null means try once
     * @param idleBound the {@code idle_in_transaction_session_timeout} in milliseconds, or null to leave it
     * @return the pin, or null when a try found the lock busy (the transaction is then still open)
     * @throws SQLException from the driver; SQLSTATE 55P03 when the timeout expired
     */
    public static Taken lock(Connection c, LockKey key, LockMode mode, Duration timeout, String idleBound,
                             FencingTable fencing) throws SQLException {
        if (fencing != null) {
            return lockFenced(c, key, mode, timeout, idleBound, fencing);
        }
        String idle = idleBound == null ? "" : ", set_config('idle_in_transaction_session_timeout', ?, true)";
        String sql;
        if (timeout == null) {
            sql = "SELECT CASE WHEN pg_try_advisory_lock" + LockStatements.suffix(mode) + "("
                    + LockStatements.arguments(key) + ") THEN pg_backend_pid() ELSE 0 END, now()::text" + idle;
        } else {
            sql = "SELECT x.pid, x.started, set_config('lock_timeout', x.previous, true)" + idle + " FROM (SELECT "
                    + "current_setting('lock_timeout') AS previous, set_config('lock_timeout', ?, true) AS timeout, "
                    + "pg_advisory_lock" + LockStatements.suffix(mode) + "(" + LockStatements.arguments(key) + ") AS l, "
                    + "pg_backend_pid() AS pid, now()::text AS started OFFSET 0) x";
        }
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            // Placeholders in text order: the try form names the key first, the blocking form's outer
            // select list comes before its subquery.
            int index = 1;
            if (timeout == null) {
                index = LockStatements.bind(ps, index, key);
                if (idleBound != null) {
                    ps.setString(index, idleBound);
                }
            } else {
                if (idleBound != null) {
                    ps.setString(index++, idleBound);
                }
                ps.setString(index++, LockStatements.timeoutMillis(timeout));
                LockStatements.bind(ps, index, key);
            }
            try (InterruptWatch watch = timeout == null ? null : InterruptWatch.start(ps)) {
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    int pid = rs.getInt(1);
                    return pid == 0 ? null : new Taken(new Pin(pid, rs.getString(2)), 0);
                } catch (SQLException e) {
                    throw watch == null ? e : LockStatements.interruptedOr(e, watch, key);
                }
            }
        }
    }

    /**
     * The fenced form: the token must be visible to everyone as soon as the lock is granted, so the
     * flight commits the transaction that took the lock and issued the token, and opens the next one
     * before its Sync: a transaction pooler releases a server connection only when it reports idle at a
     * Sync, so the connection stays pinned across that COMMIT. The session lock survives the COMMIT.
     */
    private static Taken lockFenced(Connection c, LockKey key, LockMode mode, Duration timeout, String idleBound,
                                    FencingTable fencing) throws SQLException {
        String next = "; COMMIT; BEGIN; SELECT now()::text" + (idleBound == null ? ""
                : ", set_config('idle_in_transaction_session_timeout', ?, true)");
        try (PreparedStatement ps = c.prepareStatement(fencing.lockSql(key, mode, timeout != null) + next)) {
            int index = fencing.bindLock(ps, key, timeout);
            if (idleBound != null) {
                ps.setString(index, idleBound);
            }
            try (InterruptWatch watch = timeout == null ? null : InterruptWatch.start(ps)) {
                try {
                    ps.execute();
                    int pid;
                    long token;
                    try (ResultSet rs = ps.getResultSet()) {
                        rs.next();
                        pid = rs.getInt(1);
                        token = rs.getLong(2);
                    }
                    String started = null;
                    while (ps.getMoreResults() || ps.getUpdateCount() != -1) {
                        ResultSet rs = ps.getResultSet();
                        if (rs != null) {
                            try (rs) {
                                rs.next();
                                started = rs.getString(1);
                            }
                        }
                    }
                    if (started == null) {
                        throw new SQLException("the fenced lock flight returned no transaction start", "XX000");
                    }
                    return pid == 0 ? null : new Taken(new Pin(pid, started), token);
                } catch (SQLException e) {
                    throw watch == null ? e : LockStatements.interruptedOr(e, watch, key);
                }
            }
        }
    }

    /**
     * Proves the pin in one round trip whose cost does not depend on the lock table: the same backend
     * and the same transaction as when the lock was taken.
     *
     * @return whether both are unchanged
     * @throws SQLException when the session is gone or the transaction unusable
     */
    public static Pin current(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_backend_pid(), now()::text");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return new Pin(rs.getInt(1), rs.getString(2));
        }
    }

    /**
     * Releases the lock and ends the pinning transaction in one round trip ({@code pg_advisory_unlock},
     * then {@code COMMIT} in the same flight, so the unlock runs on the pinned backend).
     *
     * @return what the unlock returned, with the backend and transaction it ran in
     * @throws SQLException from the driver (the COMMIT did not run when the unlock failed)
     */
    public static Released unlock(Connection c, LockKey key, LockMode mode) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_unlock" + LockStatements.suffix(mode) + "("
                + LockStatements.arguments(key) + "), pg_backend_pid(), now()::text; COMMIT")) {
            LockStatements.bind(ps, 1, key);
            ps.execute();
            Released released;
            try (ResultSet rs = ps.getResultSet()) {
                rs.next();
                released = new Released(rs.getBoolean(1), new Pin(rs.getInt(2), rs.getString(3)));
            }
            while (ps.getMoreResults() || ps.getUpdateCount() != -1) {
                // drain the COMMIT's result so that its failure, if any, is raised here
            }
            return released;
        }
    }

    /** The result of a pinned unlock: what {@code pg_advisory_unlock} returned, and where it ran. */
    public record Released(boolean unlocked, Pin pin) {
    }
}
