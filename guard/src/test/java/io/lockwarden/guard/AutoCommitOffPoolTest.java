package io.lockwarden.guard;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.lockwarden.testkit.fixture.LockSessions;
import io.lockwarden.testkit.fixture.PgBouncer;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A pool with {@code autoCommit=false} (Spring's {@code spring.datasource.hikari.auto-commit=false}): after the
 * guard released a leaked lock, the connection is as the application left it: autocommit off, no transaction
 * open, no snapshot held ({@code backend_xmin} null), and the next borrower's transaction starts with its
 * first statement. Directly and behind PgBouncer in transaction pooling.
 */
class AutoCommitOffPoolTest {
    private static final long KEY = 920_001;
    private static final String IDLE_IN_TRANSACTION = "SELECT count(*) FROM pg_stat_activity WHERE pid <> "
            + "pg_backend_pid() AND backend_type = 'client backend' AND (state LIKE 'idle in transaction%' "
            + "OR (state = 'idle' AND backend_xmin IS NOT NULL))";

    private static HikariDataSource autoCommitOff(String url) {
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(url);
        hc.setUsername(PostgresServer.SUPERUSER);
        hc.setPassword(PostgresServer.shared().password());
        hc.setMaximumPoolSize(1);
        hc.setMinimumIdle(1);
        hc.setAutoCommit(false);
        hc.setPoolName("autocommit-off");
        return new HikariDataSource(hc);
    }

    /** Unchanged code: lock, work that fails, rollback; the unlock never runs. */
    private static void leakOne(DataSource pool) throws SQLException {
        try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
            st.execute("SELECT pg_advisory_lock(" + KEY + ")");
            try {
                st.execute("SELECT 1/0");
            } catch (SQLException e) {
                c.rollback();
            }
        }
    }

    private static int count(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** The next borrower: autocommit still off, and its transaction begins with its own first statement. */
    private static void nextBorrowerStartsFresh(DataSource pool) throws Exception {
        try (Connection c = pool.getConnection()) {
            assertThat(c.getAutoCommit()).isFalse();
            Thread.sleep(50);
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT statement_timestamp() - now() < interval '40 ms'")) {
                rs.next();
                assertThat(rs.getBoolean(1)).as("now() is this transaction's start, not a stale one's").isTrue();
            }
            c.rollback();
        }
    }

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {14, 18})
    void directlyTheReleaseLeavesNoTransactionOpen(int version) throws Exception {
        PostgresServer server = PostgresServer.shared(version);
        String url = "jdbc:lockwarden:" + server.jdbcUrl().substring("jdbc:".length());
        RecordingListener.clear();
        try (HikariDataSource pool = autoCommitOff(url + "?lockwarden.listener=" + RecordingListener.class.getName());
             LockSessions probe = new LockSessions(server)) {
            int pid;
            try (Connection c = pool.getConnection()) {
                pid = LockSessions.pid(c);
                c.rollback();
            }
            leakOne(pool);
            assertThat(probe.heldInPgLocks(pid)).as("released").isZero();
            assertThat(RecordingListener.reports()).hasSize(1);
            try (Connection p = probe.open("probe")) {
                assertThat(count(p, IDLE_IN_TRANSACTION)).as("backends idle in a transaction or with a snapshot")
                        .isZero();
            }
            nextBorrowerStartsFresh(pool);
        }
        RecordingListener.clear();
    }

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {14, 18})
    void behindATransactionPoolerTheReleaseLeavesNoTransactionOpen(int version) throws Exception {
        PostgresServer server = PostgresServer.shared(version);
        RecordingListener.clear();
        try (PgBouncer bouncer = PgBouncer.builder(server).poolMode(PgBouncer.PoolMode.TRANSACTION).poolSize(4).start();
             HikariDataSource pool = autoCommitOff("jdbc:lockwarden:" + bouncer.jdbcUrl().substring("jdbc:".length())
                     + "&lockwarden.pooler=transaction&lockwarden.listener=" + RecordingListener.class.getName());
             LockSessions probe = new LockSessions(server)) {
            leakOne(pool);
            try (Connection p = probe.open("probe")) {
                assertThat(count(p, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")).isZero();
                assertThat(count(p, IDLE_IN_TRANSACTION)).as("backends idle in a transaction or with a snapshot")
                        .isZero();
            }
            assertThat(RecordingListener.reports()).hasSize(1);
            nextBorrowerStartsFresh(pool);
        }
        RecordingListener.clear();
    }
}
