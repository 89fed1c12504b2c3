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
 * partition) has its session, and its lock, ended by the server within that bound. Every flight that
 * leaves the transaction open ends with a utility statement, so no snapshot stays registered: the
 * pinned session shows no {@code backend_xmin} and holds vacuum back no more than an idle one. Stateless
 * and thread-safe.
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
     * What ends every statement flight that leaves the pinning transaction open: a utility statement,
     * whose unnamed portal replaces the previous one. pgjdbc's unnamed portal of a SELECT keeps its
     * snapshot registered until the next Bind, which would hold {@code backend_xmin}, and so vacuum, for
     * as long as the lock is held. With a bound, the same statement sets it for the transaction.
     */
    private static String tail(String idleBound) {
        return idleBound == null ? "; SHOW lock_timeout"
                : "; SET LOCAL idle_in_transaction_session_timeout = " + Long.parseLong(idleBound);
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
        String sql;
        if (timeout == null) {
            sql = "SELECT CASE WHEN pg_try_advisory_lock" + LockStatements.suffix(mode) + "("
                    + LockStatements.arguments(key) + ") THEN pg_backend_pid() ELSE 0 END, now()::text";
        } else {
            sql = "SELECT x.pid, x.started, set_config('lock_timeout', x.previous, true) FROM (SELECT "
                    + "current_setting('lock_timeout') AS previous, set_config('lock_timeout', ?, true) AS timeout, "
                    + "pg_advisory_lock" + LockStatements.suffix(mode) + "(" + LockStatements.arguments(key) + ") AS l, "
                    + "pg_backend_pid() AS pid, now()::text AS started OFFSET 0) x";
        }
        try (PreparedStatement ps = c.prepareStatement(sql + tail(idleBound))) {
            int index = 1;
            if (timeout != null) {
                ps.setString(index++, LockStatements.timeoutMillis(timeout));
            }
            LockStatements.bind(ps, index, key);
            try (InterruptWatch watch = timeout == null ? null : InterruptWatch.start(ps)) {
                try {
                    ps.execute();
                    int pid;
                    String started;
                    try (ResultSet rs = ps.getResultSet()) {
                        rs.next();
                        pid = rs.getInt(1);
                        started = rs.getString(2);
                    }
                    drain(ps);
                    return pid == 0 ? null : new Taken(new Pin(pid, started), 0);
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
        String sql = fencing.lockSql(key, mode, timeout != null) + "; COMMIT; BEGIN; SELECT now()::text"
                + tail(idleBound);
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            fencing.bindLock(ps, key, timeout);
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
                        if (rs != null && started == null) {
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
     * Proves the pin in one round trip whose cost does not depend on the lock table: the backend and
     * the start of the transaction it is in.
     *
     * @param idleBound as given to {@link #lock}
     * @throws SQLException when the session is gone or the transaction unusable
     */
    public static Pin current(Connection c, String idleBound) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_backend_pid(), now()::text" + tail(idleBound))) {
            ps.execute();
            Pin pin;
            try (ResultSet rs = ps.getResultSet()) {
                rs.next();
                pin = new Pin(rs.getInt(1), rs.getString(2));
            }
            drain(ps);
            return pin;
        }
    }

    /** Reads past the remaining results of a flight, so that a failure among them is raised here. */
    private static void drain(PreparedStatement ps) throws SQLException {
        while (ps.getMoreResults() || ps.getUpdateCount() != -1) {
            ResultSet rs = ps.getResultSet();
            if (rs != null) {
                rs.close();
            }
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
            drain(ps);
            return released;
        }
    }

    /** The result of a pinned unlock: what {@code pg_advisory_unlock} returned, and where it ran. */
    public record Released(boolean unlocked, Pin pin) {
    }
}
