package io.lockwarden.cli;

import io.lockwarden.testkit.fixture.PostgresServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/** Test sessions holding advisory locks; closing ends every one of them. */
final class Sessions implements AutoCloseable {
    private final PostgresServer server;
    private final List<Connection> connections = new ArrayList<>();
    private final List<Integer> pids = new ArrayList<>();

    Sessions(PostgresServer server) {
        this.server = server;
    }

    Connection open(String app) throws SQLException {
        return add(server.connect(app));
    }

    Connection openAs(String user, String password, String app) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        p.setProperty("ApplicationName", app);
        return add(DriverManager.getConnection(server.jdbcUrl(), p));
    }

    private Connection add(Connection c) throws SQLException {
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

    /** Advisory lock rows (granted or not) of a pid, read from pg_locks by a fresh superuser session. */
    int locksInPgLocks(int pid) throws SQLException {
        try (Connection probe = server.connect("probe"); Statement st = probe.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = " + pid)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** True while the backend still exists. */
    boolean alive(int pid) throws SQLException {
        try (Connection probe = server.connect("probe"); Statement st = probe.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE pid = " + pid)) {
            rs.next();
            return rs.getInt(1) == 1;
        }
    }

    static void createRole(PostgresServer server, String role, String... grants) throws SQLException {
        try (Connection su = server.connect()) {
            exec(su, "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '" + role + "') THEN "
                    + "CREATE ROLE " + role + " LOGIN PASSWORD 'pw-" + role + "'; END IF; END $$");
            for (String g : grants) {
                exec(su, "GRANT " + g + " TO " + role);
            }
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
    }
}
