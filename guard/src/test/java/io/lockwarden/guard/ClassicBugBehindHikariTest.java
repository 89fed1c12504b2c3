package io.lockwarden.guard;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.lockwarden.LockKey;
import io.lockwarden.LockScope;
import io.lockwarden.UnsafeLockUsageException;
import io.lockwarden.testkit.fixture.LockSessions;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The bug the guard exists for, in unchanged raw-JDBC code behind HikariCP: a session-level lock taken inside
 * a transaction that rolls back stays on the pooled connection. Through the guard (URL or DataSource wrapper)
 * nothing leaks and the lock is reported with the stack trace of where it was taken.
 */
class ClassicBugBehindHikariTest {
    private static final PostgresServer SERVER = PostgresServer.shared();
    private static final long KEY = 910_001;
    private final LockSessions probe = new LockSessions(SERVER);

    @BeforeEach
    void clearReports() {
        RecordingListener.clear();
    }

    @AfterEach
    void closeProbe() throws SQLException {
        probe.close();
    }

    /** The application code nobody will rewrite: lock, work that fails, rollback, return. */
    private static int processOrder(DataSource pool) throws SQLException {
        try (Connection c = pool.getConnection()) {
            int pid = Pools.pid(c);
            c.setAutoCommit(false);
            try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_lock(?)");
                 Statement st = c.createStatement()) {
                lock.setLong(1, KEY);
                lock.execute();
                st.execute("SELECT 1/0"); // the work fails
                st.execute("SELECT pg_advisory_unlock(" + KEY + ")");
                c.commit();
            } catch (SQLException e) {
                c.rollback(); // does not release a session-level lock
            }
            return pid;
        }
    }

    @Test
    void withoutTheGuardTheLockStaysOnThePooledConnection() throws Exception {
        try (HikariDataSource pool = Pools.hikari(SERVER.jdbcUrl(), "plain")) {
            int pid = processOrder(pool);
            assertThat(probe.heldInPgLocks(pid)).as("leaked on the idle pooled connection").isEqualTo(1);
        }
    }

    @Test
    void throughTheGuardUrlNothingLeaksAndTheLockIsReportedWithWhereItWasTaken() throws Exception {
        try (HikariDataSource pool = Pools.hikari(Pools.guardUrl(), "guard-url")) {
            int pid = processOrder(pool);
            assertThat(probe.heldInPgLocks(pid)).as("released before the pool got the connection back").isZero();
            assertThat(RecordingListener.reports()).singleElement().satisfies(r -> {
                assertThat(r.event().key()).isEqualTo(LockKey.of(KEY));
                assertThat(r.event().scope()).isEqualTo(LockScope.SESSION);
                assertThat(r.event().pid()).isEqualTo(pid);
                assertThat(r.takenIn("processOrder")).as("stack trace of the lock call").isTrue();
            });
            try (Connection again = pool.getConnection()) {
                assertThat(Pools.pid(again)).as("the same physical connection, kept by the pool").isEqualTo(pid);
            }
        }
    }

    @Test
    void throughTheWrappedDataSourceNothingLeaksAndTheLockIsReported() throws Exception {
        RecordingListener listener = new RecordingListener();
        try (HikariDataSource pool = Pools.hikari(SERVER.jdbcUrl(), "guard-wrap")) {
            DataSource guarded = LockGuard.builder().listener(listener).wrap(pool);
            assertThat(LockGuard.wrap(guarded)).as("wrapping twice is a no-op").isSameAs(guarded);
            int pid = processOrder(guarded);
            assertThat(probe.heldInPgLocks(pid)).isZero();
            assertThat(RecordingListener.reports()).singleElement()
                    .satisfies(r -> assertThat(r.takenIn("processOrder")).isTrue());
        }
    }

    @Test
    void reportModeReportsButLeavesTheLockHeld() throws Exception {
        try (HikariDataSource pool = Pools.hikari(Pools.guardUrl("lockwarden.mode=report"), "guard-report")) {
            int pid = processOrder(pool);
            assertThat(probe.heldInPgLocks(pid)).as("report mode changes nothing").isEqualTo(1);
            assertThat(RecordingListener.reports()).as("abandoned means released: not in report mode").isEmpty();
            try (Connection c = pool.getConnection()) {
                Pools.exec(c, "SELECT pg_advisory_unlock_all()");
            }
        }
    }

    /** Report mode, across borrows of one pooled connection: each leaked lock is warned about once. */
    @Test
    void reportModeWarnsOncePerLeakedLockAcrossLaterBorrows() throws Exception {
        java.io.PrintStream stderr = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        int pid;
        try (HikariDataSource pool = Pools.hikari(Pools.guardUrl("lockwarden.mode=report"), "guard-report-count")) {
            pid = processOrder(pool); // leaks KEY
            try (Connection c = pool.getConnection()) {
                Pools.exec(c, "SELECT pg_advisory_lock(hashtext('report-count'))"); // leaks a key the guard cannot read
            }
            for (int i = 0; i < 3; i++) {
                try (Connection c = pool.getConnection()) {
                    Pools.exec(c, "SELECT 'pg_advisory_lock is only mentioned here'"); // checked, takes nothing
                }
            }
            try (Connection c = pool.getConnection()) {
                Pools.exec(c, "SELECT pg_advisory_lock(" + KEY + ")"); // the same key once more: a new leak
            }
            assertThat(probe.heldInPgLocks(pid)).as("report mode changes nothing").isEqualTo(2);
            try (Connection c = pool.getConnection()) {
                Pools.exec(c, "SELECT pg_advisory_unlock_all()");
            }
        } finally {
            System.setErr(stderr);
        }
        String log = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
        stderr.print(log);
        assertThat(log.split("left it held \\(report mode\\)", -1)).as("one WARN per leaked lock: 3 leaks")
                .hasSize(4);
        assertThat(log).doesNotContain("no call site known");
    }

    @Test
    void failFastRefusesTheSessionLockInsideTheTransactionBeforeItIsTaken() throws Exception {
        try (HikariDataSource pool = Pools.hikari(Pools.guardUrl("lockwarden.mode=fail-fast"), "guard-fail-fast")) {
            try (Connection c = pool.getConnection()) {
                int pid = Pools.pid(c);
                c.setAutoCommit(false);
                try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_lock(?)")) {
                    lock.setLong(1, KEY);
                    UnsafeLockUsageException refused = null;
                    try {
                        lock.execute();
                    } catch (UnsafeLockUsageException e) {
                        refused = e;
                    }
                    assertThat(refused).as("refused at the call").isNotNull()
                            .hasMessageContaining("pg_advisory_lock(" + KEY + ")")
                            .hasMessageContaining("pg_advisory_xact_lock")
                            .hasMessageContaining("ClassicBugBehindHikariTest.failFast");
                }
                assertThat(probe.heldInPgLocks(pid)).as("nothing was locked").isZero();
                c.rollback();
            }
        }
    }
}
