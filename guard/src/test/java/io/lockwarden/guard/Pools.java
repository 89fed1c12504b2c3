package io.lockwarden.guard;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** HikariCP pools of one connection for the tests, so that every borrow gets the same backend. */
final class Pools {
    private Pools() {
    }

    /** A pool of one connection on a JDBC URL (plain pgjdbc or {@code jdbc:lockwarden:...}). */
    static HikariDataSource hikari(String jdbcUrl, String poolName) {
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(jdbcUrl);
        hc.setUsername(PostgresServer.SUPERUSER);
        hc.setPassword(PostgresServer.shared().password());
        hc.setMaximumPoolSize(1);
        hc.setMinimumIdle(1);
        hc.setPoolName(poolName);
        hc.setConnectionTimeout(30_000);
        return new HikariDataSource(hc);
    }

    /** The guard's URL for the shared server, with extra properties such as {@code lockwarden.mode=report}. */
    static String guardUrl(String... properties) {
        String url = "jdbc:lockwarden:" + PostgresServer.shared().jdbcUrl().substring("jdbc:".length())
                + "?ApplicationName=guard-test&lockwarden.listener=" + RecordingListener.class.getName();
        return properties.length == 0 ? url : url + "&" + String.join("&", properties);
    }

    /** The backend pid of a connection. */
    static int pid(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Runs one statement. */
    static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
