package io.lockwarden.internal;

import io.lockwarden.LockDatabaseException;
import io.lockwarden.LockInterruptedException;
import io.lockwarden.LockKey;
import io.lockwarden.LockMode;
import io.lockwarden.LockNotAvailableException;
import io.lockwarden.LockTimeoutException;
import io.lockwarden.LockwardenException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The SQL Lockwarden sends, and how its failures are translated. Every statement is one round trip:
 * the blocking form sets {@code lock_timeout} for the current transaction, takes
 * the locks in the given order, reads the backend pid and restores the previous {@code lock_timeout}
 * in a single {@code SELECT}, so the timeout never leaks into the caller's work. Stateless and thread-safe.
 */
public final class LockStatements {
    /** SQLSTATE {@code query_canceled}, the result of {@link java.sql.Statement#cancel()}. */
    static final String QUERY_CANCELED = "57014";

    private LockStatements() {
    }

    /** The result of an unlock: what {@code pg_advisory_unlock} returned and on which backend it ran. */
    public record Unlock(boolean unlocked, int pid) {
    }

    /**
     * Takes the locks in the given order, waiting up to {@code timeout} for each (server-side
     * {@code lock_timeout}), in one round trip; returns the backend pid.
     *
     * @throws SQLException from the driver; SQLSTATE 55P03 when the timeout expired
     * @throws LockInterruptedException when the thread was interrupted while waiting (the wait was
     *                                  cancelled on the server)
     */
    public static int lock(Connection c, List<LockKey> keys, LockMode mode, boolean transactionScope,
                           Duration timeout) throws SQLException {
        return lock(c, keys, mode, transactionScope, timeout, null);
    }

    /**
     * Like {@link #lock(Connection, List, LockMode, boolean, Duration)}, also setting
     * {@code idle_in_transaction_session_timeout} for the transaction in the same statement.
     *
     * @param idleBound milliseconds, or null to leave it
     */
    public static int lock(Connection c, List<LockKey> keys, LockMode mode, boolean transactionScope,
                           Duration timeout, String idleBound) throws SQLException {
        StringBuilder inner = new StringBuilder("SELECT current_setting('lock_timeout') AS previous, "
                + "set_config('lock_timeout', ?, true) AS timeout");
        if (idleBound != null) {
            inner.append(", set_config('idle_in_transaction_session_timeout', ?, true) AS idle");
        }
        String fn = "pg_advisory" + (transactionScope ? "_xact" : "") + "_lock" + suffix(mode);
        for (int i = 0; i < keys.size(); i++) {
            inner.append(", ").append(fn).append('(').append(arguments(keys.get(i))).append(") AS l").append(i);
        }
        inner.append(", pg_backend_pid() AS pid OFFSET 0");
        String sql = "SELECT x.pid, set_config('lock_timeout', x.previous, true) AS restored FROM (" + inner + ") x";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, timeoutMillis(timeout));
            int index = 2;
            if (idleBound != null) {
                ps.setString(index++, idleBound);
            }
            for (LockKey key : keys) {
                index = bind(ps, index, key);
            }
            try (InterruptWatch watch = InterruptWatch.start(ps)) {
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                } catch (SQLException e) {
                    if (watch.cancelled() || (QUERY_CANCELED.equals(e.getSQLState())
                            && Thread.currentThread().isInterrupted())) {
                        throw new LockInterruptedException(keys.get(0), "interrupted while waiting for lock "
                                + describe(keys) + "; the wait was cancelled on the server and nothing was "
                                + "acquired (the thread's interrupt flag is still set)", e);
                    }
                    throw e;
                }
            }
        }
    }

    /**
     * What a failed blocking lock statement means: {@link LockInterruptedException} when it was
     * cancelled because the thread was interrupted, otherwise {@code e} itself.
     */
    static SQLException interruptedOr(SQLException e, InterruptWatch watch, LockKey key) {
        if (watch.cancelled() || (QUERY_CANCELED.equals(e.getSQLState()) && Thread.currentThread().isInterrupted())) {
            throw new LockInterruptedException(key, "interrupted while waiting for lock " + key + "; the wait was "
                    + "cancelled on the server and nothing was acquired (the thread's interrupt flag is still set)", e);
        }
        return e;
    }

    /**
     * The failure of an acquisition that found the lock busy where the caller asked not to wait.
     */
    public static LockNotAvailableException busy(LockKey key) {
        return new LockNotAvailableException(key, "advisory lock " + key + " is held by another session; "
                + "nothing was acquired. Next: skip the work, retry later, or wait with a timeout instead.");
    }

    /** Tries the lock once without waiting, in one round trip; returns the backend pid, or 0 when busy. */
    public static int tryLock(Connection c, LockKey key, LockMode mode, boolean transactionScope)
            throws SQLException {
        return tryLock(c, key, mode, transactionScope, null);
    }

    /**
     * Like {@link #tryLock(Connection, LockKey, LockMode, boolean)}, also setting
     * {@code idle_in_transaction_session_timeout} for the transaction in the same statement.
     *
     * @param idleBound milliseconds, or null to leave it
     */
    public static int tryLock(Connection c, LockKey key, LockMode mode, boolean transactionScope, String idleBound)
            throws SQLException {
        String fn = "pg_try_advisory" + (transactionScope ? "_xact" : "") + "_lock" + suffix(mode);
        try (PreparedStatement ps = c.prepareStatement("SELECT " + fn + "(" + arguments(key) + "), pg_backend_pid()"
                + (idleBound == null ? "" : ", set_config('idle_in_transaction_session_timeout', ?, true)"))) {
            int next = bind(ps, 1, key);
            if (idleBound != null) {
                ps.setString(next, idleBound);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1) ? rs.getInt(2) : 0;
            }
        }
    }

    /** Releases one level of a session lock, in one round trip. */
    public static Unlock unlock(Connection c, LockKey key, LockMode mode) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_unlock" + suffix(mode) + "("
                + arguments(key) + "), pg_backend_pid()")) {
            bind(ps, 1, key);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Unlock(rs.getBoolean(1), rs.getInt(2));
            }
        }
    }

    /**
     * Describes who holds the keys right now ("pid 123 (application 'x', idle in transaction)"), for
     * error messages. Best effort: returns the pids found, and an empty list when the lookup fails.
     */
    public static List<Holder> holders(Connection c, List<LockKey> keys) {
        List<Holder> holders = new ArrayList<>();
        String sql = "SELECT l.pid, coalesce(a.application_name, ''), coalesce(a.state, ''), l.mode "
                + "FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
                + "WHERE l.locktype = 'advisory' AND l.granted AND l.pid <> pg_backend_pid() "
                + "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                + "AND l.classid = ?::bigint::oid AND l.objid = ?::bigint::oid AND l.objsubid = ? ORDER BY l.pid";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (LockKey key : keys) {
                ps.setLong(1, key.classid());
                ps.setLong(2, key.objid());
                ps.setInt(3, key.objsubid());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        holders.add(new Holder(key, rs.getInt(1), rs.getString(2), rs.getString(3), rs.getString(4)));
                    }
                }
            }
        } catch (SQLException e) {
            return holders;
        }
        return holders;
    }

    /** A backend holding a lock, as seen in {@code pg_locks} and {@code pg_stat_activity}. */
    public record Holder(LockKey key, int pid, String applicationName, String state, String mode) {
        @Override
        public String toString() {
            return "pid " + pid + " (application '" + applicationName + "', " + (state.isEmpty() ? "state unknown"
                    : state) + ", " + mode + ")";
        }
    }

    /**
     * Translates a driver failure of a lock statement: 55P03 becomes {@link LockTimeoutException}
     * naming the holders, anything else {@link LockDatabaseException}.
     *
     * @param holders who held the keys at the time (may be empty)
     */
    public static LockwardenException translate(SQLException e, List<LockKey> keys, Duration timeout,
                                                List<Holder> holders) {
        if (LockTimeoutException.SQLSTATE.equals(e.getSQLState())) {
            String heldBy = holders.isEmpty() ? "The holder had already gone when Lockwarden looked."
                    : "Held by " + holders.stream().map(Holder::toString).collect(Collectors.joining(", ")) + ".";
            return new LockTimeoutException(keys.get(0), timeout, holders.stream().map(Holder::pid).distinct().toList(),
                    "timed out after " + timeout.toMillis() + " ms waiting for advisory lock " + describe(keys)
                            + " (server-side lock_timeout, SQLSTATE 55P03); nothing was acquired. " + heldBy
                            + " Next: find why the holder keeps it (lockwarden diagnose, or pg_locks joined with "
                            + "pg_stat_activity), raise the timeout, or use a try-lock to skip work that is busy.", e);
        }
        return database(keys, "taking advisory lock " + describe(keys), e);
    }

    /** Wraps a driver failure that happened while doing {@code what}. */
    public static LockDatabaseException database(List<LockKey> keys, String what, SQLException e) {
        return new LockDatabaseException(keys.isEmpty() ? null : keys.get(0), what + " failed: " + e.getMessage()
                + " (SQLSTATE " + e.getSQLState() + "). Next: check that the database is reachable and the "
                + "role may call the pg_advisory_* functions; the driver's exception is the cause.", e);
    }

    /** Whether a SQLSTATE means the session is gone (connection failure, admin shutdown, crash). */
    public static boolean sessionEnded(SQLException e) {
        String state = e.getSQLState();
        return state == null || state.startsWith("08") || state.equals("57P01") || state.equals("57P02")
                || state.equals("57P03");
    }

    /** The keys for a message: {@code k} or {@code [k1, k2]}. */
    public static String describe(List<LockKey> keys) {
        return keys.size() == 1 ? keys.get(0).toString() : keys.toString();
    }

    static String timeoutMillis(Duration timeout) {
        long millis;
        try {
            millis = timeout.toMillis();
            if (Duration.ofMillis(millis).compareTo(timeout) < 0) {
                millis++;
            }
        } catch (ArithmeticException overflow) {
            millis = Integer.MAX_VALUE;
        }
        return Long.toString(Math.max(1, Math.min(Integer.MAX_VALUE, millis)));
    }

    static String suffix(LockMode mode) {
        return mode == LockMode.SHARED ? "_shared" : "";
    }

    static String arguments(LockKey key) {
        return key.form() == LockKey.Form.BIGINT ? "?::bigint" : "?::int4, ?::int4";
    }

    static int bind(PreparedStatement ps, int index, LockKey key) throws SQLException {
        if (key.form() == LockKey.Form.BIGINT) {
            ps.setLong(index, key.bigint());
            return index + 1;
        }
        ps.setInt(index, key.key1());
        ps.setInt(index + 1, key.key2());
        return index + 2;
    }
}
