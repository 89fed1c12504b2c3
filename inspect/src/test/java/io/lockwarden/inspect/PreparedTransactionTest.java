package io.lockwarden.inspect;

import static io.lockwarden.testkit.fixture.LockSessions.exec;
import static io.lockwarden.testkit.fixture.LockSessions.pid;
import static org.assertj.core.api.Assertions.assertThat;

import io.lockwarden.LockKey;
import io.lockwarden.inspect.rules.PreparedTransactionHoldsLocksRule;
import io.lockwarden.testkit.fixture.LockSessions;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.Future;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Locks of a PREPARE TRANSACTION have no session (pg_locks.pid NULL) and survive a restart: they are shown. */
class PreparedTransactionTest {
    private static int advisoryRowsWithoutPid(PostgresServer server) throws Exception {
        try (Connection c = server.connect("probe"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid IS NULL")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {14, 18})
    void preparedTransactionLocksAreShownWithTheirWaitersBeforeAndAfterARestart(int version) throws Exception {
        try (PostgresServer server = PostgresServer.builder().version(version)
                .setting("max_prepared_transactions", "5").start()) {
            showsPreparedLocks(server);
        }
    }

    private static void showsPreparedLocks(PostgresServer server) throws Exception {
        try (Connection c = server.connect("two-phase-app")) {
            c.setAutoCommit(false);
            exec(c, "SELECT pg_advisory_xact_lock(9901), pg_advisory_xact_lock(9902)");
            exec(c, "PREPARE TRANSACTION 'order-''42'");
            c.setAutoCommit(true);
        }
        try {
            assertThat(advisoryRowsWithoutPid(server)).isEqualTo(2);

            try (LockSessions s = new LockSessions(server)) {
                Connection waiter = s.open("behind-prepared");
                int waiterPid = pid(waiter);
                Future<?> waiting = s.blockOn(waiter, "SELECT pg_advisory_lock(9901)");

                Diagnosis d = Inspector.of(server.dataSource()).diagnose();

                assertThat(d.snapshot().prepared()).singleElement().satisfies(p -> {
                    assertThat(p.gid()).isEqualTo("order-'42");
                    assertThat(p.owner()).isEqualTo("postgres");
                    assertThat(p.database()).isEqualTo("postgres");
                    assertThat(p.preparedAt()).isNotNull();
                    assertThat(p.locks()).extracting(AdvisoryLockRow::key)
                            .containsExactlyInAnyOrder(LockKey.of(9901), LockKey.of(9902));
                    assertThat(p.rollbackSql()).isEqualTo("ROLLBACK PREPARED 'order-''42'");
                });
                assertThat(d.snapshot().locks()).noneMatch(l -> l.pid() == PreparedTransaction.PID);
                assertThat(d.findings(PreparedTransactionHoldsLocksRule.ID)).singleElement().satisfies(f -> {
                    assertThat(f.severity()).isEqualTo(Severity.ERROR);
                    assertThat(f.pids()).containsExactly(waiterPid);
                    assertThat(f.fix()).contains("COMMIT PREPARED 'order-''42'", "ROLLBACK PREPARED 'order-''42'");
                });
                assertThat(d.findings("waiters-blocked")).as("no 'session 0' root blocker").isEmpty();
                assertThat(d.incidents()).singleElement().satisfies(i -> {
                    assertThat(i.kind()).isEqualTo(Incident.Kind.PREPARED_TRANSACTION);
                    assertThat(i.waiterPids()).containsExactly(waiterPid);
                    assertThat(i.remedy().command()).isEqualTo("lockwarden release --rollback-prepared order-'42");
                });
                assertThat(waiting.isDone()).isFalse();
            }

            server.restart();
            assertThat(advisoryRowsWithoutPid(server)).as("a restart keeps them").isEqualTo(2);
            Snapshot after = Inspector.of(server.dataSource()).snapshot();
            assertThat(after.prepared()).singleElement().satisfies(p -> assertThat(p.locks()).hasSize(2));
        } finally {
            try (Connection c = server.connect("cleanup")) {
                exec(c, "ROLLBACK PREPARED 'order-''42'");
            }
        }
        assertThat(advisoryRowsWithoutPid(server)).isZero();
    }
}
