package io.lockwarden.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.zaxxer.hikari.HikariDataSource;
import io.lockwarden.testkit.fixture.LockSessions;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A backend that dies or stops answering while the application holds a lock: returning the connection does
 * not throw into the application and does not hang the pool (the check runs under the release timeout), and
 * the pool goes on serving working connections.
 */
class BrokenBackendTest {
    private static final PostgresServer SERVER = PostgresServer.shared();
    private final LockSessions probe = new LockSessions(SERVER);

    @AfterEach
    void closeProbe() throws SQLException {
        probe.close();
    }

    @Test
    @Timeout(120)
    void aBackendKilledWhileHoldingALockIsReturnedQuietlyAndThePoolRecovers() throws Exception {
        try (HikariDataSource pool = Pools.hikari(Pools.guardUrl(), "killed")) {
            int pid;
            try (Connection c = pool.getConnection()) {
                pid = Pools.pid(c);
                Pools.exec(c, "SELECT pg_advisory_lock(201)");
                Pools.exec(probe.open("killer"), "SELECT pg_terminate_backend(" + pid + ")");
                awaitGone(pid);
            } // must neither throw nor hang
            assertThat(probe.heldInPgLocks(pid)).isZero();
            assertThat(RecordingListener.reports()).as("nothing was released by the guard").isEmpty();
            assertThat(selectOneEventually(pool)).as("the pool replaces the dead connection").isTrue();
        }
    }

    @Test
    @Timeout(120)
    void aBackendThatStopsAnsweringCostsTheReturnAtMostTheReleaseTimeout() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs to signal the server's processes");
        try (HikariDataSource pool = Pools.hikari(Pools.guardUrl("lockwarden.releaseTimeout=1"), "frozen")) {
            int pid;
            try (Connection c = pool.getConnection()) {
                pid = Pools.pid(c);
                Pools.exec(c, "SELECT pg_advisory_lock(202)");
                signal("STOP", pid);
                try {
                    c.close(); // the check at return times out after 1 s instead of waiting for ever
                } finally {
                    signal("CONT", pid);
                }
            }
            awaitGone(pid); // pgjdbc dropped the socket on the timeout, so the resumed backend ends
            assertThat(probe.heldInPgLocks(pid)).isZero();
            assertThat(selectOneEventually(pool)).isTrue();
        }
    }

    private static void signal(String signal, int pid) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("kill", "-" + signal, Integer.toString(pid)).inheritIO().start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0).as("kill -" + signal + " " + pid).isTrue();
    }

    private void awaitGone(int pid) throws SQLException, InterruptedException {
        for (int i = 0; i < 1000 && probe.alive(pid); i++) {
            Thread.sleep(20);
        }
        assertThat(probe.alive(pid)).as("backend " + pid + " ended").isFalse();
    }

    /** HikariCP hands out a dead connection once before it notices: try a few borrows. */
    private static boolean selectOneEventually(HikariDataSource pool) throws InterruptedException {
        for (int i = 0; i < 20; i++) {
            try (Connection c = pool.getConnection()) {
                Pools.exec(c, "SELECT 1");
                return true;
            } catch (SQLException e) {
                Thread.sleep(100);
            }
        }
        return false;
    }
}
