package io.lockwarden.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockwarden.LockKey;
import io.lockwarden.testkit.fixture.PgBouncer;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChaosTest {
    private final PostgresServer server = PostgresServer.shared();
    private final LockCheckScope now = LockCheckScope.all().withSettle(Duration.ofSeconds(5));

    @Test
    void terminatingTheHolderOfAKeyReleasesItAndLeavesOtherHoldersAlone() throws SQLException {
        try (Connection a = server.connect(); Statement sa = a.createStatement();
             Connection b = server.connect(); Statement sb = b.createStatement()) {
            int pidA = AdvisoryLockAssertionsTest.pid(sa);
            int pidB = AdvisoryLockAssertionsTest.pid(sb);
            sa.execute("SELECT pg_advisory_lock(21)");
            sb.execute("SELECT pg_advisory_lock(22)");

            List<Integer> killed = Chaos.on(server).terminateHolderOf(LockKey.of(21));

            assertThat(killed).containsExactly(pidA);
            assertThat(AdvisoryLockAssertions.heldAdvisoryLocks(server.dataSource(), now))
                    .extracting(HeldAdvisoryLock::pid).containsExactly(pidB);
            assertThatThrownBy(() -> sa.execute("SELECT 1")).isInstanceOf(SQLException.class);
        }
    }

    @Test
    void terminatingARandomHolderPicksAPidThatHeldALock() throws SQLException {
        try (Connection a = server.connect(); Statement sa = a.createStatement()) {
            int pid = AdvisoryLockAssertionsTest.pid(sa);
            sa.execute("SELECT pg_advisory_lock(23)");

            assertThat(Chaos.using(server.dataSource(), 1).terminateRandomHolder()).contains(pid);
            AdvisoryLockAssertions.assertNoAdvisoryLocks(server.dataSource(), now);
            assertThat(Chaos.on(server).terminateRandomHolder()).isEmpty();
        }
    }

    @Test
    void reconnectOnThePoolerDropsASessionLockLeakedOnItsServerConnection() throws SQLException {
        try (PgBouncer bouncer = PgBouncer.builder(server).poolSize(1).start()) {
            try (Connection c = bouncer.connect(); Statement st = c.createStatement()) {
                st.execute("SELECT pg_advisory_lock(24)");
            }
            // the client is gone, the lock stays with PgBouncer's idle server connection
            assertThat(AdvisoryLockAssertions.heldAdvisoryLocks(server.dataSource(), LockCheckScope.all()
                    .withSettle(Duration.ZERO))).extracting(HeldAdvisoryLock::key).containsExactly(LockKey.of(24));

            Chaos.reconnectPooler(bouncer);

            AdvisoryLockAssertions.assertNoAdvisoryLocks(server.dataSource(), now);
        }
    }

    @Test
    void killingThePoolerConnectionsCutsAnOpenTransactionAndReleasesItsLock() throws SQLException {
        try (PgBouncer bouncer = PgBouncer.builder(server).poolSize(1).start();
             Connection c = bouncer.connect(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("SELECT pg_advisory_xact_lock(25)");

            Chaos.killPoolerConnections(bouncer, "postgres");

            AdvisoryLockAssertions.assertNoAdvisoryLocks(server.dataSource(), now);
            assertThatThrownBy(() -> st.execute("SELECT 1")).isInstanceOf(SQLException.class);
            try (Connection again = bouncer.connect(); Statement s2 = again.createStatement();
                 ResultSet rs = s2.executeQuery("SELECT 1")) {
                assertThat(rs.next()).isTrue();
            }
        }
    }

    @Test
    void restartingTheServerReleasesEveryLock() throws SQLException {
        try (PostgresServer own = PostgresServer.builder().start();
             Connection c = own.connect(); Statement st = c.createStatement()) {
            st.execute("SELECT pg_advisory_lock(26)");

            Chaos.restart(own);

            AdvisoryLockAssertions.assertNoAdvisoryLocks(own.dataSource(), now);
        }
    }
}
