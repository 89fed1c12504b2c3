package io.lockwarden.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import io.lockwarden.LockEvent;
import io.lockwarden.LockKey;
import io.lockwarden.LockListener;
import io.lockwarden.LockMode;
import io.lockwarden.UnsafeLockUsageException;
import io.lockwarden.testkit.fixture.LockSessions;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.sql.BatchUpdateException;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the guard follows through every statement kind, behind a HikariCP pool of one connection wrapped by
 * {@link LockGuard#wrap}: each test leaves locks on the connection, returns it, and checks in {@code pg_locks}
 * that nothing stayed and in the reports that exactly the leaked locks were reported.
 */
class LockTrackingTest {
    private static final PostgresServer SERVER = PostgresServer.shared();
    private static HikariDataSource pool;
    private final LockSessions probe = new LockSessions(SERVER);
    private final RecordingListener listener = new RecordingListener();
    private final DataSource guarded = LockGuard.builder().listener(listener).wrap(pool);
    private int pid;

    @BeforeAll
    static void openPool() {
        pool = Pools.hikari(SERVER.jdbcUrl(), "tracking");
    }

    @AfterAll
    static void closePool() {
        pool.close();
    }

    @BeforeEach
    void clear() {
        RecordingListener.clear();
    }

    @AfterEach
    void nothingLeftOnTheConnection() throws SQLException {
        try {
            if (pid != 0) {
                assertThat(probe.heldInPgLocks(pid)).as("advisory locks left on the returned connection").isZero();
            }
        } finally {
            try (Connection c = pool.getConnection()) {
                Pools.exec(c, "SELECT pg_advisory_unlock_all()");
            }
            probe.close();
        }
    }

    private List<LockKey> reportedKeys() {
        List<LockKey> keys = new ArrayList<>();
        RecordingListener.reports().forEach(r -> keys.add(r.event().key()));
        return keys;
    }

    private Connection borrow() throws SQLException {
        Connection c = guarded.getConnection();
        pid = Pools.pid(c);
        return c;
    }

    @Test
    void literalAndBoundKeysInBothFormsAndSharedLocksAreReleasedAndReported() throws Exception {
        try (Connection c = borrow(); PreparedStatement bigint = c.prepareStatement("select PG_ADVISORY_LOCK( ? )");
             PreparedStatement pair = c.prepareStatement("SELECT pg_advisory_lock_shared(?::int, CAST(? AS int)) AS l");
             Statement st = c.createStatement()) {
            bigint.setLong(1, -5_000_000_000L);
            bigint.execute();
            pair.setInt(1, 7);
            pair.setObject(2, 8);
            pair.executeQuery().close();
            st.execute("/* pg_advisory_unlock(1, 2) in a comment is not a call */ SELECT pg_catalog.pg_advisory_lock(1, -2)");
            assertThat(probe.heldInPgLocks(pid)).isEqualTo(3);
        }
        assertThat(RecordingListener.reports()).extracting(r -> r.event().key(), r -> r.event().mode())
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple(LockKey.of(-5_000_000_000L), LockMode.EXCLUSIVE),
                        org.assertj.core.groups.Tuple.tuple(LockKey.of(7, 8), LockMode.SHARED),
                        org.assertj.core.groups.Tuple.tuple(LockKey.of(1, -2), LockMode.EXCLUSIVE));
    }

    @Test
    void balancedLockAndUnlockIsNotReportedIncludingSeveralStatementsInOneString() throws Exception {
        try (Connection c = borrow(); Statement st = c.createStatement();
             PreparedStatement unlock = c.prepareStatement("SELECT pg_advisory_unlock(?)")) {
            st.execute("SELECT pg_advisory_lock(31); SELECT pg_advisory_lock_shared(32); SELECT 'a;b'");
            st.execute("SELECT pg_advisory_unlock_shared(32)");
            unlock.setLong(1, 31);
            unlock.execute();
            assertThat(probe.heldInPgLocks(pid)).isZero();
        }
        assertThat(RecordingListener.reports()).isEmpty();
    }

    private static void takeFirst(Statement st) throws SQLException {
        st.execute("SELECT pg_advisory_lock(41)");
    }

    @Test
    void reentrantCountsAreTrackedAndTheFirstAcquisitionIsReported() throws Exception {
        try (Connection c = borrow(); Statement st = c.createStatement()) {
            takeFirst(st);
            st.execute("SELECT pg_advisory_lock(41), pg_advisory_lock(42)");
            st.execute("SELECT pg_advisory_lock(42)");
            st.execute("SELECT pg_advisory_unlock(41)");
            st.execute("SELECT pg_advisory_unlock(42), pg_advisory_unlock(42)");
        }
        assertThat(RecordingListener.reports()).singleElement().satisfies(r -> {
            assertThat(r.event().key()).isEqualTo(LockKey.of(41));
            assertThat(r.takenIn("takeFirst")).isTrue();
        });
    }

    @Test
    void unlockAllIsTracked() throws Exception {
        try (Connection c = borrow(); Statement st = c.createStatement()) {
            st.execute("SELECT pg_advisory_lock(51), pg_advisory_lock(52, 53), pg_advisory_lock_shared(54)");
            st.execute("SELECT pg_advisory_unlock_all()");
        }
        assertThat(RecordingListener.reports()).isEmpty();
    }

    @Test
    void tryLockResultsAreReadFromTheResultSet() throws Exception {
        try (Connection other = probe.open("other-holder")) {
            LockSessions.exec(other, "SELECT pg_advisory_lock(62)");
            int otherPid = LockSessions.pid(other);
            try (Connection c = borrow(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT pg_try_advisory_lock(61) AS got, pg_try_advisory_lock(62)")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getBoolean("got")).isTrue();
                assertThat(rs.getBoolean(2)).as("held by the other session").isFalse();
            }
            assertThat(reportedKeys()).containsExactly(LockKey.of(61));
            assertThat(probe.heldInPgLocks(otherPid)).as("the other session's lock is not ours to release").isEqualTo(1);
        }
    }

    @Test
    void aTryLockInTheSecondStatementOfAStringIsReadFromTheSecondResult() throws Exception {
        try (Connection c = borrow(); Statement st = c.createStatement()) {
            st.execute("SELECT pg_try_advisory_lock(65); SELECT pg_try_advisory_lock(66)");
            assertThat(st.getMoreResults()).isTrue();
            try (ResultSet second = st.getResultSet()) {
                assertThat(second.next()).isTrue();
                assertThat(second.getBoolean(1)).isTrue();
            }
        }
        assertThat(reportedKeys()).as("66 was read as taken; 65 was never read, so pg_locks settled it")
                .containsExactlyInAnyOrder(LockKey.of(65), LockKey.of(66));
        assertThat(RecordingListener.reports()).allSatisfy(r -> assertThat(r.takenIn(
                "aTryLockInTheSecondStatementOfAStringIsReadFromTheSecondResult")).isTrue());
    }

    @Test
    void transactionLocksAreLeftToTheTransaction() throws Exception {
        List<Integer> xactStillHeldAtReport = new ArrayList<>();
        LockListener checking = new LockListener() {
            @Override
            public void abandoned(LockEvent event, Throwable acquiredAt) {
                try {
                    xactStillHeldAtReport.add(probe.heldInPgLocks(event.pid()));
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            }
        };
        DataSource checked = LockGuard.builder().listener(checking).wrap(pool);
        try (Connection c = checked.getConnection(); Statement st = c.createStatement()) {
            pid = Pools.pid(c);
            c.setAutoCommit(false);
            st.execute("SELECT pg_advisory_xact_lock(71), pg_try_advisory_xact_lock_shared(72)");
            st.execute("SELECT pg_advisory_lock(73)");
            // returned with the transaction still open: HikariCP rolls it back after the guard is done
        }
        assertThat(xactStillHeldAtReport).as("when the session lock 73 was reported, the two transaction locks "
                + "were still there: the guard left them to the transaction").containsExactly(2);
    }

    @Test
    void callableStatementEscapesAreFollowed() throws Exception {
        try (Connection c = borrow();
             CallableStatement tryLock = c.prepareCall("{? = call pg_try_advisory_lock(?)}");
             CallableStatement lock = c.prepareCall("{call pg_advisory_lock(?, ?)}");
             CallableStatement unlock = c.prepareCall("{ call pg_advisory_unlock(?, ?) }")) {
            tryLock.registerOutParameter(1, Types.BOOLEAN);
            tryLock.setLong(2, 81);
            tryLock.execute();
            assertThat(tryLock.getBoolean(1)).isTrue();
            lock.setInt(1, 82);
            lock.setInt(2, 83);
            lock.execute();
            unlock.setInt(1, 82);
            unlock.setInt(2, 83);
            unlock.execute();
        }
        assertThat(reportedKeys()).containsExactly(LockKey.of(81));
    }

    @Test
    void batchesAreFollowedAndWhatAFailedBatchLeftIsSettledFromPgLocks() throws Exception {
        try (Connection c = borrow(); Statement st = c.createStatement()) {
            st.execute("CREATE TEMP TABLE jobs (id bigint)");
            try (PreparedStatement claim = c.prepareStatement(
                    "INSERT INTO jobs SELECT ? WHERE pg_try_advisory_lock(?)")) {
                for (long id = 91; id <= 93; id++) {
                    claim.setLong(1, id);
                    claim.setLong(2, id);
                    claim.addBatch();
                }
                claim.executeBatch();
            }
            st.addBatch("SELECT pg_advisory_lock(94)");
            st.addBatch("SELECT pg_advisory_lock(95)");
            st.addBatch("SELECT pg_advisory_unlock(94)");
            st.executeBatch();
            st.addBatch("SELECT pg_advisory_lock(96)");
            st.addBatch("SELECT 1/0");
            assertThatThrownBy(st::executeBatch).isInstanceOf(BatchUpdateException.class);
            assertThat(probe.heldInPgLocks(pid)).as("91-93, 95 and 96").isEqualTo(5);
        }
        assertThat(reportedKeys()).containsExactlyInAnyOrder(LockKey.of(91), LockKey.of(92), LockKey.of(93),
                LockKey.of(95), LockKey.of(96));
    }

    private static void lockWithAnExpression(Statement st) throws SQLException {
        st.execute("SELECT pg_advisory_lock(hashtext('orders'))");
    }

    @Test
    void callsTheGuardCannotEvaluateAreSettledFromPgLocksAtReturn() throws Exception {
        try (Connection c = borrow(); Statement st = c.createStatement()) {
            lockWithAnExpression(st);
            st.execute("DO $$ BEGIN PERFORM pg_advisory_lock(101); END $$");
        }
        assertThat(reportedKeys()).hasSize(2).contains(LockKey.of(101));
    }

    @Test
    void aLockHiddenInAServerFunctionIsFoundWithCheckAlways() throws Exception {
        try (Connection c = pool.getConnection()) {
            Pools.exec(c, "CREATE OR REPLACE FUNCTION claim_next_job() RETURNS void LANGUAGE sql "
                    + "AS 'SELECT pg_advisory_lock(111)'");
        }
        DataSource always = LockGuard.builder().check(ReturnCheck.ALWAYS).listener(listener).wrap(pool);
        try (Connection c = always.getConnection(); Statement st = c.createStatement()) {
            pid = Pools.pid(c);
            st.execute("SELECT claim_next_job()");
        }
        assertThat(RecordingListener.reports()).singleElement().satisfies(r -> {
            assertThat(r.event().key()).isEqualTo(LockKey.of(111));
            assertThat(r.site().getMessage()).contains("no call site known");
        });
    }

    @Test
    void statementsHandBackTheGuardedConnectionAndAHiddenLockIsStillSettledAtReturn() throws Exception {
        try (Connection c = pool.getConnection()) {
            Pools.exec(c, "CREATE OR REPLACE FUNCTION claim_order(k bigint) RETURNS bigint LANGUAGE sql "
                    + "AS 'SELECT pg_advisory_lock(k); SELECT k'");
        }
        DataSource always = LockGuard.builder().check(ReturnCheck.ALWAYS).listener(listener).wrap(pool);
        Connection c = always.getConnection();
        pid = Pools.pid(c);
        try (Statement st = c.createStatement()) {
            assertThat(st.getConnection()).isSameAs(c);
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT claim_order(?)")) {
            assertThat(ps.getConnection()).isSameAs(c);
            assertThat(ps.isWrapperFor(org.postgresql.PGStatement.class)).isTrue();
            ps.setLong(1, 131);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(1)).isEqualTo(131);
            }
            assertThat(probe.heldInPgLocks(pid)).isEqualTo(1);
            // reaching the connection through the statement does not step around the return check
            ps.getConnection().close();
        }
        assertThat(RecordingListener.reports()).singleElement()
                .satisfies(r -> assertThat(r.event().key()).isEqualTo(LockKey.of(131)));
    }

    @Test
    void aFunctionWhoseNameMentionsAdvisoryLocksIsCheckedByDefault() throws Exception {
        try (Connection c = pool.getConnection()) {
            Pools.exec(c, "CREATE OR REPLACE FUNCTION take_advisory_job_lock(k bigint) RETURNS void LANGUAGE sql "
                    + "AS 'SELECT pg_advisory_lock(k)'");
        }
        try (Connection c = borrow(); PreparedStatement ps = c.prepareStatement("SELECT take_advisory_job_lock(?)")) {
            ps.setLong(1, 121);
            ps.execute();
        }
        assertThat(reportedKeys()).containsExactly(LockKey.of(121));
    }

    @Test
    void failFastReleasesAndThenFailsTheReturnOfAConnectionStillHoldingALock() throws Exception {
        DataSource strict = LockGuard.builder().mode(GuardMode.FAIL_FAST).wrap(pool);
        Connection c = strict.getConnection();
        pid = Pools.pid(c);
        Pools.exec(c, "SELECT pg_advisory_lock(131)");
        assertThatThrownBy(c::close).isInstanceOf(UnsafeLockUsageException.class)
                .hasMessageContaining("131").hasMessageContaining("released");
        assertThat(c.isClosed()).as("returned to the pool all the same").isTrue();
    }
}
