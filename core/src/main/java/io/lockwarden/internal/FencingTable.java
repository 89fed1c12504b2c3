package io.lockwarden.internal;

import io.lockwarden.LockKey;
import io.lockwarden.LockMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * The table that issues fencing tokens: one row per lock key (the {@code pg_locks} columns), whose
 * {@code token} grows by one at every acquisition of that key. The session lock and the token
 * increment are one statement: the lock is taken in a CTE that the {@code INSERT ... ON CONFLICT DO
 * UPDATE ... RETURNING} reads from, so the row changes only once the lock is granted, and in the same
 * round trip. The statement runs on a pinned connection whose flight commits right after it (see
 * {@link PinnedSession}), so the increment is visible as soon as the lock is granted: a rolled-back
 * increment would hand the same token to the next holder. Thread-safe (stateless but for the table name).
 */
public final class FencingTable {
    /** SQLSTATE {@code undefined_table}: the table does not exist yet (detected before anything is locked). */
    private static final String UNDEFINED_TABLE = "42P01";
    private static final Pattern NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}(\\.[a-z_][a-z0-9_]{0,62})?");

    private final String name;

    private FencingTable(String name) {
        this.name = name;
    }

    /** A token issued with a lock: the backend pid that locked and the token (0 when the try found it busy). */
    public record Issued(int pid, long token) {
    }

    /**
     * The fencing table of that name.
     *
     * @param name {@code table} or {@code schema.table}, lower-case letters, digits and underscores
     * @throws IllegalArgumentException for anything else (the name is written into SQL)
     */
    public static FencingTable named(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("fencing table name must be 'table' or 'schema.table' in lower-case "
                    + "letters, digits and underscores, got '" + name + "': pass e.g. \"lockwarden_fencing\"");
        }
        return new FencingTable(name);
    }

    /** The table name as written into SQL. */
    public String name() {
        return name;
    }

    /** The DDL that creates the table (idempotent), also usable as a migration. */
    public String createSql() {
        return createSql(name);
    }

    /** The DDL that creates a fencing table of that name (idempotent). */
    public static String createSql(String name) {
        return "CREATE TABLE IF NOT EXISTS " + name + " (classid bigint NOT NULL, objid bigint NOT NULL, "
                + "objsubid int NOT NULL, token bigint NOT NULL, pid int NOT NULL, "
                + "acquired_at timestamptz NOT NULL, PRIMARY KEY (classid, objid, objsubid))";
    }

    /** Whether a failure says the table does not exist yet (nothing was locked: it fails at planning). */
    public static boolean missing(SQLException e) {
        return UNDEFINED_TABLE.equals(e.getSQLState());
    }

    /**
     * The statement that takes the session lock and issues the next token, returning the backend pid
     * (0 when a try found the lock busy) and the token: the lock is taken in a CTE the upsert reads from,
     * so the row changes only once the lock is granted. Bind it with {@link #bindLock}.
     *
     * @param blocking true to wait (server-side {@code lock_timeout}), false to try once
     */
    String lockSql(LockKey key, LockMode mode, boolean blocking) {
        if (blocking) {
            return "WITH x AS (SELECT current_setting('lock_timeout') AS previous, "
                    + "set_config('lock_timeout', ?, true) AS timeout, "
                    + "pg_advisory_lock" + LockStatements.suffix(mode) + "(" + LockStatements.arguments(key) + ") AS l, "
                    + "pg_backend_pid() AS pid OFFSET 0), "
                    + "t AS (" + upsert("TRUE") + ") "
                    + "SELECT x.pid, t.token, set_config('lock_timeout', x.previous, true) AS restored FROM x CROSS JOIN t";
        }
        return "WITH x AS (SELECT pg_try_advisory_lock" + LockStatements.suffix(mode) + "("
                + LockStatements.arguments(key) + ") AS granted, pg_backend_pid() AS pid OFFSET 0), "
                + "t AS (" + upsert("x.granted") + ") "
                + "SELECT CASE WHEN x.granted THEN x.pid ELSE 0 END, coalesce(t.token, 0) FROM x LEFT JOIN t ON TRUE";
    }

    /**
     * Binds the parameters of {@link #lockSql}.
     *
     * @param timeout the wait, or null for the try form
     * @return the next free parameter index
     */
    static int bindLock(PreparedStatement ps, LockKey key, Duration timeout) throws SQLException {
        int index = 1;
        if (timeout != null) {
            ps.setString(index++, LockStatements.timeoutMillis(timeout));
        }
        index = LockStatements.bind(ps, index, key);
        bindUpsert(ps, index, key);
        return index + 3;
    }

    private String upsert(String when) {
        return "INSERT INTO " + name + " AS f (classid, objid, objsubid, token, pid, acquired_at) "
                + "SELECT ?, ?, ?, 1, x.pid, clock_timestamp() FROM x WHERE " + when + " "
                + "ON CONFLICT (classid, objid, objsubid) DO UPDATE SET token = f.token + 1, pid = excluded.pid, "
                + "acquired_at = excluded.acquired_at RETURNING f.token";
    }

    private static void bindUpsert(PreparedStatement ps, int index, LockKey key) throws SQLException {
        ps.setLong(index, key.classid());
        ps.setLong(index + 1, key.objid());
        ps.setInt(index + 2, key.objsubid());
    }

    /**
     * Creates the table if it does not exist; two clients creating it at once both succeed.
     *
     * @throws SQLException when the role may not create it
     */
    public void create(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(createSql());
        } catch (SQLException e) {
            // Two clients creating it at once: the loser sees a duplicate in the catalog; the table exists.
            if (!"23505".equals(e.getSQLState()) && !"42P07".equals(e.getSQLState())) {
                throw e;
            }
        }
    }
}
