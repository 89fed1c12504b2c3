package idioms.good;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

public class GoodPinnedConnections {

    /** Returns the locked dedicated connection: the caller unlocks and closes it. */
    Connection lockedConnection(DataSource ds, long key) throws SQLException {
        Connection c = ds.getConnection();
        try (Statement st = c.createStatement()) {
            st.execute("SET lock_timeout = '5s'");
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_lock(?)")) {
            ps.setLong(1, key);
            ps.executeQuery();
        }
        return c;
    }

    /** A JdbcTemplate over one pinned connection: every call runs on the same session. */
    boolean withPinnedTemplate(Connection conn, long key) {
        JdbcTemplate jdbc = new JdbcTemplate(new SingleConnectionDataSource(conn, true));
        Boolean got = jdbc.queryForObject("SELECT pg_try_advisory_lock(?)", Boolean.class, key);
        if (!Boolean.TRUE.equals(got)) {
            return false;
        }
        try {
            work();
        } finally {
            Boolean released = jdbc.queryForObject("SELECT pg_advisory_unlock(?)", Boolean.class, key);
            if (!Boolean.TRUE.equals(released)) {
                throw new IllegalStateException("lock " + key + " was not held");
            }
        }
        return true;
    }

    /** Retries the try-lock until it is taken: the loop ends with the lock held once. */
    void waitForTurn(Connection conn, long key) throws SQLException, InterruptedException {
        while (true) {
            try (PreparedStatement ps = conn.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
                ps.setLong(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next() && rs.getBoolean(1)) {
                        break;
                    }
                }
            }
            Thread.sleep(100);
        }
        try {
            work();
        } finally {
            try (PreparedStatement ps = conn.prepareStatement("SELECT pg_advisory_unlock(?)")) {
                ps.setLong(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next() || !rs.getBoolean(1)) {
                        throw new IllegalStateException("lock " + key + " was not held");
                    }
                }
            }
        }
    }

    /** A transaction that rolls back before unlocking in finally. */
    void settle(DataSource ds, long account) throws SQLException {
        try (Connection conn = ds.getConnection()) {
            conn.setAutoCommit(false);
            try (Statement st = conn.createStatement()) {
                st.execute("SET LOCAL lock_timeout = '5s'");
                st.execute("SELECT pg_advisory_xact_lock(" + account + ")");
                work();
                conn.commit();
            } catch (SQLException | RuntimeException e) {
                conn.rollback();
                throw e;
            }
        }
    }

    private volatile boolean running = true;

    /** A leader that locks once and then only works while it holds the lock; it never locks twice. */
    void lead(Connection conn, long key) throws SQLException, InterruptedException {
        boolean leader = false;
        try {
            while (running) {
                if (!leader) {
                    try (PreparedStatement ps = conn.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
                        ps.setLong(1, key);
                        try (ResultSet rs = ps.executeQuery()) {
                            leader = rs.next() && rs.getBoolean(1);
                        }
                    }
                }
                if (leader) {
                    work();
                }
                Thread.sleep(1000);
            }
        } finally {
            if (leader) {
                try (PreparedStatement ps = conn.prepareStatement("SELECT pg_advisory_unlock(?)")) {
                    ps.setLong(1, key);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (!rs.next() || !rs.getBoolean(1)) {
                            throw new IllegalStateException("leader lock " + key + " was not held");
                        }
                    }
                }
            }
        }
    }

    /** One lock per tenant: each pass locks another key, all released in finally. */
    void lockEach(Connection conn, long[] tenants) throws SQLException {
        try (Statement st = conn.createStatement()) {
            st.execute("SET lock_timeout = '5s'");
        }
        try {
            for (long tenant : tenants) {
                try (PreparedStatement ps = conn.prepareStatement("SELECT pg_advisory_lock(?)")) {
                    ps.setLong(1, tenant);
                    ps.executeQuery();
                }
            }
            work();
        } finally {
            try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_advisory_unlock_all()")) {
                rs.next();
            }
        }
    }

    private void work() {
    }
}
