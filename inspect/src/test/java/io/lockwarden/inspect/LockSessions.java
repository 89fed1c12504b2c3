package io.lockwarden.inspect;

import io.lockwarden.testkit.fixture.PostgresServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Test sessions that hold or wait for advisory locks; closing ends them all (and so their locks). */
final class LockSessions implements AutoCloseable {
    private final PostgresServer server;
    private final List<Connection> connections = new ArrayList<>();
    private final List<Integer> pids = new ArrayList<>();
    private final ExecutorService waiters = Executors.newCachedThreadPool();

    LockSessions(PostgresServer server) {
        this.server = server;
    }

    /** Opens a superuser session with an application name. */
    Connection open(String app) throws SQLException {
        Connection c = server.connect(app);
        connections.add(c);
        pids.add(pid(c));
        return c;
    }

    /** Opens a session as another role. */
    Connection openAs(String user, String password, String app) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        p.setProperty("ApplicationName", app);
        Connection c = DriverManager.getConnection(server.jdbcUrl(), p);
        connections.add(c);
        pids.add(pid(c));
        return c;
    }

    static int pid(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    /** Runs a statement that blocks (a lock wait) on another thread and waits until the server shows it waiting. */
    Future<?> blockOn(Connection c, String sql) throws Exception {
        int pid = pid(c);
        Future<?> f = waiters.submit(() -> {
            exec(c, sql);
            return null;
        });
        try (Connection probe = server.connect("probe")) {
            for (int i = 0; i < 500; i++) {
                try (Statement st = probe.createStatement(); ResultSet rs = st.executeQuery(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND pid = " + pid)) {
                    rs.next();
                    if (rs.getInt(1) > 0) {
                        return f;
                    }
                }
                Thread.sleep(20);
            }
        }
        throw new AssertionError("session " + pid + " never started waiting for: " + sql);
    }

    /** Counts the advisory locks a pid holds, read from pg_locks by a fresh superuser session. */
    int heldInPgLocks(int pid) throws SQLException {
        try (Connection probe = server.connect("probe"); Statement st = probe.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                     + "AND pid = " + pid)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Override
    public void close() throws SQLException {
        try (Connection probe = server.connect("probe"); Statement st = probe.createStatement()) {
            for (int pid : pids) {
                st.execute("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE pid = " + pid);
            }
        }
        for (Connection c : connections) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // terminated above
            }
        }
        waiters.shutdownNow();
    }
}
