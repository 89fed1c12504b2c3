package io.lockwarden.guard;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.lockwarden.testkit.fixture.PgBouncer;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * Behind a stock PgBouncer in transaction mode, a session lock left by one client stays on the server connection
 * and moves to whichever client gets that server connection next. In session mode the server connection stays
 * the client's, so the guard's check when the application's pool takes the connection back (the default,
 * {@code lockwarden.pooler=none}) runs on the server connection that holds the lock and releases it there.
 * Transaction pooling with the guard is {@link TransactionPoolingTest}.
 */
class BehindPgBouncerTest {
    private static final PostgresServer SERVER = PostgresServer.shared();
    private static final long KEY = 301;

    private static void forgetTheUnlock(HikariDataSource pool) throws SQLException {
        try (Connection c = pool.getConnection()) {
            Pools.exec(c, "SELECT pg_advisory_lock(" + KEY + ")");
        }
    }

    /** Whether a different client, through the same PgBouncer, can take the lock: it cannot if a real holder has it. */
    private static boolean anotherClientGetsTheLock(PgBouncer bouncer) throws SQLException {
        try (Connection other = bouncer.connect(); Statement st = other.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_try_advisory_lock(" + KEY + ")")) {
            rs.next();
            boolean got = rs.getBoolean(1);
            Pools.exec(other, "SELECT pg_advisory_unlock_all()");
            return got;
        }
    }

    private static int heldOnTheServer() throws SQLException {
        try (Connection probe = SERVER.connect("probe"); Statement st = probe.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                     + "AND objsubid = 1 AND objid = " + KEY)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void withoutTheGuardTheLeakedLockIsOnTheServerConnectionTheNextClientGets() throws Exception {
        try (PgBouncer bouncer = PgBouncer.builder(SERVER).poolMode(PgBouncer.PoolMode.TRANSACTION).poolSize(1).start();
             HikariDataSource pool = Pools.hikari(bouncer.jdbcUrl(), "bouncer-plain")) {
            forgetTheUnlock(pool);
            assertThat(heldOnTheServer()).isEqualTo(1);
            assertThat(anotherClientGetsTheLock(bouncer)).as("re-entrant on the shared server connection: "
                    + "mutual exclusion silently broken").isTrue();
        }
        awaitNoneHeld();
    }

    @Test
    void throughSessionPoolingTheGuardReleasesTheLockOnTheServerConnectionThatHoldsIt() throws Exception {
        RecordingListener.clear();
        try (PgBouncer bouncer = PgBouncer.builder(SERVER).poolMode(PgBouncer.PoolMode.SESSION).poolSize(4).start();
             HikariDataSource pool = Pools.hikari("jdbc:lockwarden:" + bouncer.jdbcUrl().substring("jdbc:".length())
                     + "&lockwarden.listener=" + RecordingListener.class.getName(), "bouncer-guard");
             HikariDataSource others = Pools.hikari(bouncer.jdbcUrl(), "bouncer-others")) {
            for (int i = 0; i < 5; i++) {
                forgetTheUnlock(pool);
                assertThat(heldOnTheServer()).isZero();
                assertThat(anotherClientGetsTheLock(bouncer)).as("nobody holds it").isTrue();
                try (Connection c = others.getConnection()) {
                    assertThat(Pools.pid(c)).isPositive();
                }
            }
            assertThat(RecordingListener.reports()).hasSize(5)
                    .allSatisfy(r -> assertThat(r.takenIn("forgetTheUnlock")).isTrue());
        }
    }

    /**
     * Left at {@code lockwarden.pooler=none} behind transaction pooling, the check at return runs on another server
     * connection than the lock, which PgBouncer has meanwhile handed to another client; the guard cannot release
     * it, but says once what to set. Deterministic: PgBouncer reuses the most recently released server
     * connection first (LIFO), so the other client's transaction takes the lock's server connection.
     */
    @Test
    void withoutThePoolerSettingBehindTransactionPoolingTheGuardSaysWhatToSet() throws Exception {
        java.io.PrintStream stderr = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        int otherSaw;
        System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        try (PgBouncer bouncer = PgBouncer.builder(SERVER).poolMode(PgBouncer.PoolMode.TRANSACTION).poolSize(2).start();
             HikariDataSource pool = Pools.hikari("jdbc:lockwarden:" + bouncer.jdbcUrl().substring("jdbc:".length())
                     + "&lockwarden.mode=report", "bouncer-unset");
             Connection other = bouncer.connect()) {
            try (Connection c = pool.getConnection()) {
                Pools.exec(c, "SELECT pg_advisory_lock(" + KEY + ")");
                other.setAutoCommit(false);
                try (Statement st = other.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM "
                        + "pg_locks WHERE pid = pg_backend_pid() AND locktype = 'advisory'")) {
                    rs.next();
                    otherSaw = rs.getInt(1);
                }
            } // the guard's check runs now, on the other server connection
            other.commit();
        } finally {
            System.setErr(stderr);
        }
        String log = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
        stderr.print(log);
        assertThat(otherSaw).as("the other client's transaction got the lock's server connection").isEqualTo(1);
        assertThat(log).contains("does not hold it: the check ran on another server connection")
                .contains("set lockwarden.pooler=transaction");
        awaitNoneHeld();
    }

    private static void awaitNoneHeld() throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (heldOnTheServer() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(heldOnTheServer()).isZero();
    }
}
