package io.lockwarden;

import io.lockwarden.testkit.fixture.PostgresServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads {@code pg_locks} from a separate superuser connection, so tests prove on the server what
 * they claim. Also waits (bounded) for server-side states that appear asynchronously.
 */
final class PgLocks {
    private PgLocks() {
    }

    /** A granted or waiting advisory lock row. */
    record Row(LockKey key, int pid, String mode, boolean granted) {
    }

    /** Every advisory lock row on the server (all databases). */
    static List<Row> advisory(PostgresServer server) {
        try (Connection c = server.connect("lockwarden-test-observer"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT classid::bigint, objid::bigint, objsubid, pid, mode, granted "
                     + "FROM pg_locks WHERE locktype = 'advisory' ORDER BY pid")) {
            List<Row> rows = new ArrayList<>();
            while (rs.next()) {
                rows.add(new Row(LockKey.fromPgLocks(rs.getLong(1), rs.getLong(2), rs.getInt(3)), rs.getInt(4),
                        rs.getString(5), rs.getBoolean(6)));
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Advisory lock rows of one key. */
    static List<Row> of(PostgresServer server, LockKey key) {
        return advisory(server).stream().filter(r -> r.key().equals(key)).toList();
    }

    /** Granted rows of one key. */
    static List<Row> granted(PostgresServer server, LockKey key) {
        return of(server, key).stream().filter(Row::granted).toList();
    }

    /** Waits until some backend waits for an advisory lock on pg_stat_activity (wait_event 'advisory'), up to 30 s. */
    static int awaitWaiter(PostgresServer server) throws Exception {
        for (int i = 0; i < 3000; i++) {
            try (Connection c = server.connect("lockwarden-test-observer"); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                         + "AND wait_event = 'advisory'")) {
                if (rs.next()) {
                    return rs.getInt(1);
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no backend started waiting for an advisory lock within 30 s");
    }

    /** Whether a backend is still alive. */
    static boolean alive(PostgresServer server, int pid) throws SQLException {
        try (Connection c = server.connect("lockwarden-test-observer");
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE pid = ?")) {
            ps.setInt(1, pid);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1) > 0;
            }
        }
    }

    /** Waits (up to 30 s) until no advisory lock is left on the server; returns what is left then. */
    static List<Row> awaitNone(PostgresServer server) throws InterruptedException {
        List<Row> rows = advisory(server);
        for (int i = 0; i < 3000 && !rows.isEmpty(); i++) {
            Thread.sleep(10);
            rows = advisory(server);
        }
        return rows;
    }

    /** Terminates a backend from a separate connection. */
    static void terminate(PostgresServer server, int pid) throws SQLException {
        try (Connection c = server.connect("lockwarden-test-observer");
             PreparedStatement ps = c.prepareStatement("SELECT pg_terminate_backend(?)")) {
            ps.setInt(1, pid);
            ps.execute();
        }
    }

    /** A raw session lock on a new direct connection (the caller closes the connection). */
    static Connection holdRaw(PostgresServer server, LockKey key) throws SQLException {
        Connection c = server.connect("lockwarden-test-holder");
        try (Statement st = c.createStatement()) {
            st.execute("SELECT pg_advisory_lock(" + key.sqlArguments() + ")");
        }
        return c;
    }

    /** The backend pid of a connection. */
    static int pid(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
