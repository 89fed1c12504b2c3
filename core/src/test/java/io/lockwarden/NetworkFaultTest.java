package io.lockwarden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockwarden.testkit.fixture.FreezableRelay;
import io.lockwarden.testkit.fixture.PgBouncer;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Faults between the client and the server, made deterministic by a relay of the test's own: a silent
 * partition (the relay stops forwarding without closing anything) and a COMMIT whose reply is lost
 * (requests still pass, replies do not). The server is real; every claim is checked in {@code pg_locks}
 * or in the table the work wrote.
 */
class NetworkFaultTest {
    private static final PostgresServer SERVER = PostgresServer.shared();
    private static final Duration BOUND = Duration.ofSeconds(2);

    @BeforeAll
    static void table() throws SQLException {
        try (Connection c = SERVER.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS fault_rows (id text PRIMARY KEY)");
            st.execute("CREATE TABLE IF NOT EXISTS fault_deferred (id int PRIMARY KEY, "
                    + "ref int REFERENCES fault_deferred(id) DEFERRABLE INITIALLY DEFERRED)");
        }
    }

    @AfterEach
    void noAdvisoryLockLeft() throws InterruptedException {
        assertThat(PgLocks.awaitNone(SERVER)).as("advisory locks left on the server").isEmpty();
    }

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {18, 14})
    void aPartitionedWithLockClientsLockEndsOnTheServerWithinTheBound(int version) throws Exception {
        PostgresServer server = PostgresServer.shared(version);
        LockKey key = LockKey.named("fault", "partition-tx");
        try (FreezableRelay relay = new FreezableRelay(server.port())) {
            PGSimpleDataSource ds = (PGSimpleDataSource) viaRelay(relay, 0);
            ds.setPassword(server.password());
            AdvisoryLocks locks = AdvisoryLocks.builder(ds).heartbeat(Duration.ofMillis(500))
                    .vanishedClientTimeout(BOUND).build();
            CountDownLatch working = new CountDownLatch(1);
            CountDownLatch finish = new CountDownLatch(1);
            CompletableFuture<Object> client = CompletableFuture.supplyAsync(() -> locks.withLock(key,
                    Duration.ofSeconds(5), c -> {
                        working.countDown();
                        finish.await();
                        return null;
                    }));
            assertThat(working.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(PgLocks.granted(server, key)).hasSize(1);
            relay.freeze();
            long frozenAt = System.nanoTime();
            awaitNoLock(server, key, Duration.ofSeconds(15));
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - frozenAt);
            assertThat(seconds).as("the server ended the silent client's session near the bound").isLessThan(12);
            assertThat(client).as("the client is still stuck in its work, unaware").isNotDone();
            finish.countDown();
            relay.close();
            assertThatThrownBy(() -> client.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(LockwardenException.class);
        }
    }

    @Test
    void healthyWorkThatKeepsTalkingOutlivesTheBound() {
        LockKey key = LockKey.named("fault", "healthy");
        AdvisoryLocks locks = AdvisoryLocks.builder(SERVER.dataSource()).heartbeat(Duration.ofMillis(300))
                .vanishedClientTimeout(Duration.ofSeconds(1)).build();
        long start = System.nanoTime();
        Integer statements = locks.withLock(key, Duration.ofSeconds(5), c -> {
            int n = 0;
            while (System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(3_000)) {
                try (Statement st = c.createStatement()) {
                    st.execute("SELECT 1");
                }
                n++;
                Thread.sleep(200);
            }
            return n;
        });
        assertThat(statements).as("3 s of work under a 1 s bound, a statement every 200 ms").isGreaterThan(5);
    }

    @Test
    void aPartitionedSessionLockEndsOnTheServerAndItsHolderIsToldItIsLost() throws Exception {
        LockKey key = LockKey.named("fault", "partition-session");
        try (FreezableRelay relay = new FreezableRelay(SERVER.port())) {
            AdvisoryLocks locks = AdvisoryLocks.builder(viaRelay(relay, 0)).heartbeat(Duration.ofMillis(500))
                    .vanishedClientTimeout(BOUND).build();
            SessionLock lock = locks.acquire(key, Duration.ofSeconds(5));
            Thread.sleep(BOUND.toMillis() + 500);
            assertThat(PgLocks.granted(SERVER, key)).as("heartbeats keep a healthy holder's session alive past the "
                    + "bound").hasSize(1);
            relay.freeze();
            awaitNoLock(key, Duration.ofSeconds(15));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (lock.isHeld() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(lock.isHeld()).as("the heartbeat noticed").isFalse();
            assertThatThrownBy(lock::close).isInstanceOf(LockLostException.class);
        }
    }

    @Test
    void aCommitWhoseReplyIsLostIsReportedAsInDoubtAndTheRowIsThere() throws Exception {
        LockKey key = LockKey.named("fault", "commit-in-doubt");
        try (FreezableRelay relay = new FreezableRelay(SERVER.port())) {
            AdvisoryLocks locks = AdvisoryLocks.builder(viaRelay(relay, 2)).heartbeat(Duration.ofMillis(500))
                    .vanishedClientTimeout(BOUND).build();
            assertThatThrownBy(() -> locks.withLock(key, Duration.ofSeconds(5), c -> {
                try (Statement st = c.createStatement()) {
                    st.execute("INSERT INTO fault_rows VALUES ('in-doubt')");
                }
                relay.freezeReplies();
                return null;
            })).isInstanceOf(CommitOutcomeUnknownException.class)
                    .hasMessageContaining("may have committed it or not")
                    .hasMessageContaining("fault/commit-in-doubt")
                    .hasMessageNotContaining("nothing was committed");
            relay.close();
        }
        assertThat(count("in-doubt")).as("the server did commit: the caller must not retry blindly").isEqualTo(1);
    }

    @Test
    void aCommitTheServerRefusesSaysNothingWasCommitted() throws SQLException {
        LockKey key = LockKey.named("fault", "commit-refused");
        AdvisoryLocks locks = AdvisoryLocks.using(SERVER.dataSource());
        assertThatThrownBy(() -> locks.withLock(key, Duration.ofSeconds(5), c -> {
            try (Statement st = c.createStatement()) {
                st.execute("INSERT INTO fault_rows VALUES ('refused')");
                st.execute("INSERT INTO fault_deferred VALUES (1, 999)"); // fails only at COMMIT
            }
            return null;
        })).isInstanceOf(LockDatabaseException.class).isNotInstanceOf(CommitOutcomeUnknownException.class)
                .hasMessageContaining("the server refused the COMMIT, so nothing was committed");
        assertThat(count("refused")).isZero();
    }

    @Test
    void throughPgBouncerAPartitionedClientsLockEndsWithinTheBound() throws Exception {
        LockKey key = LockKey.named("fault", "partition-bouncer");
        try (PgBouncer bouncer = PgBouncer.builder(SERVER).poolSize(4).start();
             FreezableRelay relay = new FreezableRelay(bouncer.port())) {
            PGSimpleDataSource ds = (PGSimpleDataSource) viaRelay(relay, 0);
            ds.setPrepareThreshold(0);
            AdvisoryLocks locks = AdvisoryLocks.builder(ds).heartbeat(Duration.ofMillis(500))
                    .vanishedClientTimeout(BOUND).build();
            CountDownLatch working = new CountDownLatch(1);
            CountDownLatch finish = new CountDownLatch(1);
            int[] pid = new int[1];
            CompletableFuture<Object> client = CompletableFuture.supplyAsync(() -> locks.withLock(key,
                    Duration.ofSeconds(5), c -> {
                        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
                            rs.next();
                            pid[0] = rs.getInt(1);
                        }
                        working.countDown();
                        finish.await();
                        return null;
                    }));
            assertThat(working.await(10, TimeUnit.SECONDS)).isTrue();
            relay.freeze();
            awaitNoLock(key, Duration.ofSeconds(15));
            assertThat(PgLocks.alive(SERVER, pid[0])).as("the server ended the backend behind PgBouncer").isFalse();
            assertThat(client).as("the client is still stuck in its work, unaware").isNotDone();
            finish.countDown();
            relay.close();
            assertThatThrownBy(() -> client.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(LockwardenException.class);
        }
    }

    private static DataSource viaRelay(FreezableRelay relay, int socketTimeoutSeconds) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl("jdbc:postgresql://127.0.0.1:" + relay.port() + "/postgres");
        ds.setUser(PostgresServer.SUPERUSER);
        ds.setPassword(SERVER.password());
        ds.setSocketTimeout(socketTimeoutSeconds);
        return ds;
    }

    private static void awaitNoLock(LockKey key, Duration within) throws Exception {
        awaitNoLock(SERVER, key, within);
    }

    private static void awaitNoLock(PostgresServer server, LockKey key, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (!PgLocks.of(server, key).isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("lock " + key + " still held after " + within + ": " + PgLocks.of(server, key));
            }
            Thread.sleep(100);
        }
    }

    private static int count(String id) throws SQLException {
        try (Connection c = SERVER.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM fault_rows WHERE id = '" + id + "'")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
