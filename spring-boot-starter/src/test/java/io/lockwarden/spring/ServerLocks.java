package io.lockwarden.spring;

import io.lockwarden.LockKey;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * What the server says about advisory locks, read from {@code pg_locks} on a separate superuser
 * connection straight to PostgreSQL (never through the application or a pooler), so tests prove
 * lock claims on the server. Waits are bounded polls.
 */
final class ServerLocks {
    static final PostgresServer SERVER = PostgresServer.shared();

    private ServerLocks() {
    }

    /** The pids holding {@code key} (granted), in pid order. */
    static List<Integer> holders(LockKey key) {
        try (Connection c = SERVER.connect("lockwarden-spring-test-observer");
             PreparedStatement ps = c.prepareStatement("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
                     + "AND classid = ?::bigint::oid AND objid = ?::bigint::oid AND objsubid = ? ORDER BY pid")) {
            ps.setLong(1, key.classid());
            ps.setLong(2, key.objid());
            ps.setInt(3, key.objsubid());
            List<Integer> pids = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    pids.add(rs.getInt(1));
                }
            }
            return pids;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether some backend waits for an advisory lock now. */
    static boolean someoneWaits() {
        try (Connection c = SERVER.connect("lockwarden-spring-test-observer"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                     + "AND wait_event = 'advisory'")) {
            rs.next();
            return rs.getInt(1) > 0;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Terminates a backend. */
    static void terminate(int pid) throws SQLException {
        try (Connection c = SERVER.connect("lockwarden-spring-test-observer");
             PreparedStatement ps = c.prepareStatement("SELECT pg_terminate_backend(?)")) {
            ps.setInt(1, pid);
            ps.execute();
        }
    }

    /** A raw session lock on a new direct connection; closing the connection releases it. */
    static Connection holdRaw(LockKey key) throws SQLException {
        Connection c = SERVER.connect("lockwarden-spring-test-holder");
        try (Statement st = c.createStatement()) {
            st.execute("SELECT pg_advisory_lock(" + key.sqlArguments() + ")");
        }
        return c;
    }

    /** Polls (every 10 ms, up to 30 s) until the condition holds; fails with {@code what} otherwise. */
    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 3000; i++) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("not within 30 s: " + what);
    }

    /** Runs SQL on a direct superuser connection. */
    static void exec(String sql) throws SQLException {
        try (Connection c = SERVER.connect(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    /** One number from a query on a direct superuser connection. */
    static long count(String sql) throws SQLException {
        try (Connection c = SERVER.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Spring properties pointing an application at a JDBC URL as the fixture's superuser. */
    static String[] datasource(String url) {
        return new String[] {"spring.datasource.url=" + url, "spring.datasource.username=" + PostgresServer.SUPERUSER,
                "spring.datasource.password=" + SERVER.password(), "spring.main.banner-mode=off",
                "spring.main.web-application-type=none"};
    }
}
