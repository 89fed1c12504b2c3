package idioms.bad;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.springframework.scheduling.annotation.Scheduled;

public class PooledAndMisread {
    private static final String LOCK_FN = "pg_catalog." + "PG_ADVISORY_LOCK";

    private final DSLContext dsl;
    private final Connection leaderConnection;

    PooledAndMisread(DSLContext dsl, Connection leaderConnection) {
        this.dsl = dsl;
        this.leaderConnection = leaderConnection;
    }

    /** The function name passed as a string; each DSLContext query borrows a pooled connection. */
    boolean exportFeed(long feedId) {
        Boolean got = dsl.select(DSL.function("pg_try_advisory_lock", Boolean.class, DSL.val(feedId))) // expect: LW109
                .fetchOne(0, Boolean.class);
        if (!Boolean.TRUE.equals(got)) {
            return false;
        }
        try {
            export(feedId);
        } finally {
            dsl.select(DSL.function("pg_advisory_unlock", Boolean.class, DSL.val(feedId))).fetchOne(0, Boolean.class); // expect: LW109
        }
        return true;
    }

    /** Statement.execute() says a result set came back, not that the lock was taken. */
    void claim(Connection conn) throws SQLException {
        try (Statement st = conn.createStatement()) {
            if (st.execute("SELECT pg_try_advisory_lock(31)")) { // expect: LW101, LW110
                export(31);
            }
        }
    }

    /** The boolean read as text and compared with "t". */
    void claimText(Connection conn, long key) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT pg_try_advisory_lock(?)::text")) { // expect: LW101, LW110
            ps.setLong(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next() && rs.getString(1).equals("t")) {
                    export(key);
                }
            }
        }
    }

    /** Leader election: every scheduled run locks again on the same session and never unlocks. */
    @Scheduled(fixedRate = 5000)
    void tick() throws SQLException {
        try (PreparedStatement ps = leaderConnection.prepareStatement("SELECT pg_try_advisory_lock(7)"); // expect: LW101, LW111
             ResultSet rs = ps.executeQuery()) {
            if (rs.next() && rs.getBoolean(1)) {
                export(7);
            }
        }
    }

    /** A retry loop around a blocking lock: each failed attempt leaves one more hold. */
    void importWithRetry(Connection conn, long key) throws SQLException {
        try (Statement st = conn.createStatement()) {
            st.execute("SET lock_timeout = '5s'");
        }
        try {
            for (int attempt = 0; attempt < 3; attempt++) {
                try (PreparedStatement ps = conn.prepareStatement("SELECT " + LOCK_FN + "(?)")) { // expect: LW111
                    ps.setLong(1, key);
                    ps.executeQuery();
                }
                if (tryImport(key)) {
                    break;
                }
            }
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

    /** The unlock runs in an aborted transaction after an error, and a failing unlock is swallowed. */
    void settle(DataSource ds, long account) throws SQLException {
        try (Connection conn = ds.getConnection()) {
            conn.setAutoCommit(false);
            try (Statement st = conn.createStatement()) {
                st.execute("SET LOCAL lock_timeout = '5s'");
                st.executeQuery("SELECT pg_advisory_lock(" + account + ")"); // expect: LW102
                try {
                    export(account);
                    conn.commit();
                } finally {
                    try {
                        st.executeQuery("SELECT pg_advisory_unlock(" + account + ")"); // expect: LW105, LW113
                    } catch (SQLException ignored) {
                    }
                }
            }
        }
    }

    /** A migration runner: the transaction-level lock waits forever for CREATE INDEX CONCURRENTLY. */
    void migrate(Connection lockConnection, DataSource ds) throws SQLException {
        lockConnection.setAutoCommit(false);
        try (Statement st = lockConnection.createStatement()) {
            st.execute("SET LOCAL lock_timeout = '5s'");
            st.execute("SELECT pg_advisory_xact_lock(1)"); // expect: LW114
            try (Connection ddl = ds.getConnection(); Statement s2 = ddl.createStatement()) {
                s2.execute("CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id)");
            }
            lockConnection.commit();
        }
    }

    /** The transaction-level lock ends at the first commit; the second batch runs unprotected. */
    void purgeInBatches(Connection conn) throws SQLException {
        conn.setAutoCommit(false);
        try (Statement st = conn.createStatement()) {
            st.execute("SET LOCAL lock_timeout = '5s'");
            st.execute("SELECT pg_advisory_xact_lock(12)"); // expect: LW112
            st.executeUpdate("DELETE FROM sessions WHERE expires_at < now() AND id % 2 = 0");
            conn.commit();
            st.executeUpdate("DELETE FROM sessions WHERE expires_at < now()");
            conn.commit();
        }
    }

    private boolean tryImport(long key) {
        return true;
    }

    private void export(long id) {
    }
}
