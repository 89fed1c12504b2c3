package io.lockwarden.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.lockwarden.LockKey;
import io.lockwarden.UnsafeLockUsageException;
import io.lockwarden.testkit.fixture.PgBouncer;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The ways a transaction ends behind PgBouncer in transaction pooling ({@code lockwarden.pooler=transaction},
 * 4 server connections), each leaving no advisory lock in {@code pg_locks}: a COMMIT the server refuses, a key
 * the guard cannot follow next to a transaction lock it must not report, {@code setAutoCommit(true)}, fail-fast,
 * and a wrapped pool whose connection is closed with its transaction open.
 */
class TransactionEndTest {
    private static final long KEY = 930_001;
    private static PgBouncer bouncer14;
    private static PgBouncer bouncer18;

    @BeforeEach
    void clear() {
        RecordingListener.clear();
    }

    @AfterAll
    static void stop() {
        for (PgBouncer b : new PgBouncer[] {bouncer14, bouncer18}) {
            if (b != null) {
                b.close();
            }
        }
        RecordingListener.clear();
    }

    private static synchronized PgBouncer bouncer(int version) {
        PostgresServer server = PostgresServer.shared(version);
        if (version == 14) {
            return bouncer14 != null ? bouncer14
                    : (bouncer14 = PgBouncer.builder(server).poolMode(PgBouncer.PoolMode.TRANSACTION).poolSize(4).start());
        }
        return bouncer18 != null ? bouncer18
                : (bouncer18 = PgBouncer.builder(server).poolMode(PgBouncer.PoolMode.TRANSACTION).poolSize(4).start());
    }

    private static HikariDataSource pool(String url) {
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(url);
        hc.setUsername(PostgresServer.SUPERUSER);
        hc.setPassword("unused: trust");
        hc.setMaximumPoolSize(2);
        hc.setMinimumIdle(2);
        return new HikariDataSource(hc);
    }

    private static HikariDataSource guarded(int version, String... properties) {
        return pool("jdbc:lockwarden:" + bouncer(version).jdbcUrl().substring("jdbc:".length())
                + "&lockwarden.pooler=transaction&lockwarden.listener=" + RecordingListener.class.getName()
                + (properties.length == 0 ? "" : "&" + String.join("&", properties)));
    }

    private static long query(PostgresServer server, String sql) throws SQLException {
        try (Connection c = server.connect("probe"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long advisoryLocks(int version) throws SQLException {
        return query(PostgresServer.shared(version), "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'");
    }

    private static void exec(DataSource ds, String... sql) throws SQLException {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        }
    }

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {14, 18})
    void aCommitTheServerRefusesLeavesNoLockBehind(int version) throws Exception {
        exec(PostgresServer.shared(version).dataSource(), "DROP TABLE IF EXISTS te_child, te_parent",
                "CREATE TABLE te_parent (id int PRIMARY KEY)",
                "CREATE TABLE te_child (parent int REFERENCES te_parent DEFERRABLE INITIALLY DEFERRED)");
        try (HikariDataSource pool = guarded(version); Connection c = pool.getConnection();
             Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("SELECT pg_advisory_lock(" + KEY + ")");
            st.execute("INSERT INTO te_child VALUES (99)"); // checked at COMMIT
            assertThatThrownBy(c::commit).isInstanceOfSatisfying(SQLException.class,
                    e -> assertThat(e.getSQLState()).isEqualTo("23503"));
            assertThat(advisoryLocks(version)).isZero();
        }
        assertThat(RecordingListener.reports()).singleElement()
                .satisfies(r -> assertThat(r.event().key()).isEqualTo(LockKey.of(KEY)));
        assertThat(query(PostgresServer.shared(version), "SELECT count(*) FROM te_child")).isZero();
    }

    private static void lockWithAnExpression(Statement st) throws SQLException {
        st.execute("SELECT pg_advisory_lock(hashtext('te-orders'))");
    }

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {14, 18})
    void aKeyTheGuardCannotFollowIsSettledFromPgLocksAndATransactionLockIsNotReported(int version) throws Exception {
        try (HikariDataSource pool = guarded(version); Connection c = pool.getConnection();
             Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            lockWithAnExpression(st);
            st.execute("SELECT pg_advisory_xact_lock(hashtext('te-xact'))");
            st.execute("SELECT pg_advisory_xact_lock(" + KEY + ")");
            c.commit();
            assertThat(advisoryLocks(version)).isZero();
        }
        long orders = query(PostgresServer.shared(version), "SELECT hashtext('te-orders')");
        assertThat(RecordingListener.reports()).singleElement().satisfies(r -> {
            assertThat(r.event().key()).isEqualTo(LockKey.of(orders));
            assertThat(r.takenIn("lockWithAnExpression")).isTrue();
        });
    }

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {14, 18})
    void withCheckAlwaysALockTakenInAServerFunctionIsSettledAtCommit(int version) throws Exception {
        exec(PostgresServer.shared(version).dataSource(), "CREATE OR REPLACE FUNCTION te_claim() RETURNS void "
                + "LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_lock(" + KEY + "); END $$");
        try (HikariDataSource pool = guarded(version, "lockwarden.check=always"); Connection c = pool.getConnection();
             Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("SELECT te_claim()");
            c.commit();
            assertThat(advisoryLocks(version)).isZero();
        }
        assertThat(RecordingListener.reports()).singleElement()
                .satisfies(r -> assertThat(r.event().key()).isEqualTo(LockKey.of(KEY)));
    }

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {14, 18})
    void theSimpleQueryProtocolEndsTransactionsTheSameWay(int version) throws Exception {
        try (HikariDataSource pool = guarded(version, "preferQueryMode=simple"); Connection c = pool.getConnection();
             Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("SELECT pg_advisory_lock(" + KEY + ")");
            c.commit();
            assertThat(advisoryLocks(version)).isZero();
            st.execute("SELECT pg_advisory_lock(" + KEY + ")");
            assertThatThrownBy(() -> st.execute("SELECT 1/0")).isInstanceOf(SQLException.class);
            c.rollback();
            assertThat(advisoryLocks(version)).isZero();
        }
        assertThat(RecordingListener.reports()).hasSize(2);
    }

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {14, 18})
    void switchingAutocommitBackOnSettlesTheLocksOfTheTransactionItCommits(int version) throws Exception {
        try (HikariDataSource pool = guarded(version); Connection c = pool.getConnection();
             Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("SELECT pg_advisory_lock(" + KEY + "), pg_advisory_lock_shared(1, 2)");
            c.setAutoCommit(true);
            assertThat(advisoryLocks(version)).isZero();
            assertThat(c.getAutoCommit()).isTrue();
        }
        assertThat(RecordingListener.reports()).extracting(r -> r.event().key())
                .containsExactlyInAnyOrder(LockKey.of(KEY), LockKey.of(1, 2));
    }

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {14, 18})
    void failFastCommitsThenThrowsForALockItCouldNotRefuse(int version) throws Exception {
        exec(PostgresServer.shared(version).dataSource(), "DROP TABLE IF EXISTS te_done",
                "CREATE TABLE te_done (id int)");
        try (HikariDataSource pool = guarded(version, "lockwarden.mode=fail-fast"); Connection c = pool.getConnection();
             Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("DO $$ BEGIN PERFORM pg_advisory_lock(" + KEY + "); END $$");
            st.execute("INSERT INTO te_done VALUES (1)");
            assertThatThrownBy(c::commit).isInstanceOf(UnsafeLockUsageException.class)
                    .hasMessageContaining(String.valueOf(KEY));
            assertThat(advisoryLocks(version)).isZero();
        }
        assertThat(query(PostgresServer.shared(version), "SELECT count(*) FROM te_done")).as("committed").isOne();
    }

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {14, 18})
    void aWrappedPoolsConnectionClosedWithItsTransactionOpenIsRolledBackWithItsLocks(int version) throws Exception {
        try (HikariDataSource plain = pool(bouncer(version).jdbcUrl())) {
            DataSource guarded = LockGuard.builder().pooler(Pooler.TRANSACTION).listener(new RecordingListener())
                    .wrap(plain);
            try (Connection c = guarded.getConnection(); Statement st = c.createStatement()) {
                c.setAutoCommit(false);
                st.execute("SELECT pg_advisory_lock(" + KEY + ")");
            } // closed without commit or rollback
            assertThat(advisoryLocks(version)).isZero();
            try (Connection c = guarded.getConnection(); Statement st = c.createStatement()) {
                c.setAutoCommit(false);
                st.execute("SELECT pg_advisory_lock(" + KEY + ")");
                c.rollback();
                assertThat(advisoryLocks(version)).isZero();
            }
        }
        assertThat(RecordingListener.reports()).hasSize(2);
    }
}
