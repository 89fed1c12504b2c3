package io.lockwarden;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockwarden.testkit.fixture.PostgresServer;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Counts client/server round trips by counting the protocol's Sync messages (each Sync is answered
 * by one ReadyForQuery, so one Sync = one round trip), as pgjdbc logs them at FINEST. Uses one open
 * connection, so connecting is not counted.
 */
class RoundTripTest {
    private static final PostgresServer SERVER = PostgresServer.shared();
    private static final Logger PGJDBC = Logger.getLogger("org.postgresql");
    private static final AtomicInteger SYNCS = new AtomicInteger();
    private static volatile long countingThread = -1;
    private static final Handler COUNTER = new Handler() {
        @Override
        public void publish(LogRecord record) {
            // Only the counting thread's Syncs: a helper thread's queries (releasing a holder) are not the
            // cost being counted.
            if (" FE=> Sync".equals(record.getMessage()) && record.getLongThreadID() == countingThread) {
                SYNCS.incrementAndGet();
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private static Level previous;
    private static Connection connection;

    @BeforeAll
    static void countSyncs() throws SQLException {
        connection = SERVER.connect();
        previous = PGJDBC.getLevel();
        PGJDBC.setLevel(Level.FINEST);
        PGJDBC.addHandler(COUNTER);
    }

    @AfterAll
    static void stopCounting() throws SQLException {
        PGJDBC.removeHandler(COUNTER);
        PGJDBC.setLevel(previous);
        connection.close();
    }

    @AfterEach
    void noAdvisoryLockLeft() throws InterruptedException {
        assertThat(PgLocks.awaitNone(SERVER)).isEmpty();
    }

    private final AdvisoryLocks locks = AdvisoryLocks.using(new SuppliedDataSource(RoundTripTest::oneConnection));

    @Test
    void aTransactionLockWithItsTimeoutCostsOneRoundTripAndTheCommitOneMore() {
        locks.withLock(LockKey.of(1L), c -> null); // warm up (first-use checks, driver caches)
        int lockAndCommit = count(() -> locks.withLock(LockKey.named("rt", "tx"), Duration.ofSeconds(5), c -> null));
        int tryLockAndCommit = count(() -> locks.tryWithLock(LockKey.named("rt", "try"), c -> null));
        int threeKeys = count(() -> locks.withLocks(List.of(LockKey.of(1L), LockKey.of(2L), LockKey.of(3, 3)),
                Duration.ofSeconds(5), c -> null));
        System.out.printf("round trips: withLock=%d (lock+BEGIN 1, COMMIT 1), tryWithLock=%d, withLocks(3 keys)=%d%n",
                lockAndCommit, tryLockAndCommit, threeKeys);
        assertThat(lockAndCommit).isEqualTo(2);
        assertThat(tryLockAndCommit).isEqualTo(2);
        assertThat(threeKeys).isEqualTo(2);
    }

    @Test
    void aTransactionLockCostsExactlyOneRoundTripMoreThanTheSameWorkWithoutALock() throws SQLException {
        try (Statement st = connection.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS round_trip_work (id int PRIMARY KEY, n int NOT NULL)");
            st.execute("INSERT INTO round_trip_work VALUES (1, 0) ON CONFLICT DO NOTHING");
        }
        SqlWork<Integer> work = c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE round_trip_work SET n = n + 1 WHERE id = 1")) {
                return ps.executeUpdate();
            }
        };
        Runnable noLock = () -> {
            Connection c = oneConnection();
            try {
                c.setAutoCommit(false);
                work.run(c);
                c.commit();
                c.setAutoCommit(true);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        noLock.run();
        locks.withLock(LockKey.named("rt", "work"), work); // warm up
        int withoutLock = count(noLock);
        int withLock = count(() -> locks.withLock(LockKey.named("rt", "work"), Duration.ofSeconds(5), work));
        int empty = count(() -> locks.withLock(LockKey.named("rt", "empty"), Duration.ofSeconds(5), c -> null));
        System.out.printf("round trips: one-row update without lock=%d, under withLock=%d; empty work under withLock=%d%n",
                withoutLock, withLock, empty);
        assertThat(withoutLock).as("BEGIN+UPDATE, COMMIT").isEqualTo(2);
        assertThat(withLock).as("BEGIN+lock, UPDATE, COMMIT").isEqualTo(withoutLock + 1);
        // With no statement of its own the work's transaction costs pgjdbc nothing; the lock is one round
        // trip and the COMMIT that releases it the other.
        assertThat(empty).isEqualTo(2);
    }

    @Test
    void aBusyTransactionLockCostsOneMoreRoundTripThenWaitsOnTheServer() throws Exception {
        LockKey key = LockKey.named("rt", "busy");
        withLockOnABusyKey(key); // warm up: pgjdbc describes a statement the first times it runs it
        withLockOnABusyKey(key);
        int busy = withLockOnABusyKey(key);
        System.out.printf("round trips: withLock on a busy key=%d (try 1, wait 1, COMMIT 1)%n", busy);
        assertThat(busy).isEqualTo(3);
    }

    /** Round trips of an empty-work withLock on a key another session holds until the waiter queues. */
    private int withLockOnABusyKey(LockKey key) throws Exception {
        try (Connection holder = SERVER.connect()) {
            try (Statement st = holder.createStatement()) {
                st.execute("SELECT pg_advisory_lock(" + key.key1() + ", " + key.key2() + ")");
            }
            Thread releaser = new Thread(() -> {
                try {
                    PgLocks.awaitWaiter(SERVER);
                    try (Statement st = holder.createStatement()) {
                        st.execute("SELECT pg_advisory_unlock(" + key.key1() + ", " + key.key2() + ")");
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, "rt-releaser");
            releaser.start();
            int trips = count(() -> locks.withLock(key, Duration.ofSeconds(60), c -> null));
            releaser.join(60_000);
            return trips;
        }
    }

    @Test
    void aSessionLockCostsOneRoundTripToAcquireAndOneToRelease() {
        locks.acquire(LockKey.of(1L), Duration.ofSeconds(5)).close();
        AtomicInteger release = new AtomicInteger();
        int acquire = count(() -> {
            SessionLock lock = locks.acquire(LockKey.named("rt", "session"), Duration.ofSeconds(5));
            release.set(count(lock::close));
        }) - 0;
        System.out.printf("round trips: session acquire=%d, release=%d%n", acquire - release.get(), release.get());
        assertThat(acquire - release.get()).isEqualTo(1);
        assertThat(release.get()).isEqualTo(1);
    }

    @Test
    void aFencedSessionLockIssuesItsTokenInTheAcquiringRoundTrip() {
        AdvisoryLocks fenced = AdvisoryLocks.builder(new SuppliedDataSource(RoundTripTest::oneConnection))
                .fencingTable("fencing_round_trips").build();
        fenced.acquire(LockKey.of(1L), Duration.ofSeconds(5)).close(); // warm up; creates the table
        AtomicInteger release = new AtomicInteger();
        long[] token = new long[1];
        int acquire = count(() -> {
            SessionLock lock = fenced.acquire(LockKey.named("rt", "fenced"), Duration.ofSeconds(5));
            token[0] = lock.fencingToken();
            release.set(count(lock::close));
        });
        System.out.printf("round trips: fenced session acquire=%d%n", acquire - release.get());
        assertThat(token[0]).isPositive();
        assertThat(acquire - release.get()).isEqualTo(1);
    }

    private static int count(Runnable action) {
        countingThread = Thread.currentThread().getId();
        int before = SYNCS.get();
        action.run();
        return SYNCS.get() - before;
    }

    /** Hands out the one open connection; closing it is a no-op, as returning it to a pool would be. */
    private static Connection oneConnection() {
        return (Connection) Proxy.newProxyInstance(RoundTripTest.class.getClassLoader(), new Class<?>[] {Connection.class},
                (p, m, a) -> {
                    if (m.getName().equals("close")) {
                        return null;
                    }
                    try {
                        return m.invoke(connection, a);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
