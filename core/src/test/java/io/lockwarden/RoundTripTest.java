package io.lockwarden;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockwarden.testkit.fixture.PostgresServer;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
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
    private static final Handler COUNTER = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (" FE=> Sync".equals(record.getMessage()) && record.getLongThreadID() == Thread.currentThread().getId()) {
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
