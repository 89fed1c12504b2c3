package io.lockwarden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockwarden.testkit.fixture.PostgresServer;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SessionLockTest {
    private static final PostgresServer SERVER = PostgresServer.shared();
    private final RecordingListener listener = new RecordingListener();
    private final AdvisoryLocks locks = AdvisoryLocks.builder(SERVER.dataSource()).listener(listener).build();

    @AfterEach
    void noAdvisoryLockLeft() throws InterruptedException {
        assertThat(PgLocks.awaitNone(SERVER)).as("advisory locks left on the server").isEmpty();
    }

    @Test
    void aHeldSessionLockPinsAnIdleTransactionThatHoldsNoSnapshotAndNoXid() throws Exception {
        LockKey key = LockKey.named("session-test", "pinned");
        try (SessionLock lock = locks.acquire(key, Duration.ofSeconds(5));
             Connection c = SERVER.connect();
             java.sql.PreparedStatement ps = c.prepareStatement("SELECT state, backend_xid IS NULL, "
                     + "backend_xmin IS NULL FROM pg_stat_activity WHERE pid = ?")) {
            ps.setInt(1, lock.pid());
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("idle in transaction");
                assertThat(rs.getBoolean(2)).as("no xid: nothing written, release may end it").isTrue();
                assertThat(rs.getBoolean(3)).as("no snapshot held: vacuum is not held back").isTrue();
            }
        }
    }

    @Test
    void acquireOnIsRefusedBeforeLockingWhenBuiltForTransactionPooling() throws Exception {
        LockKey key = LockKey.named("session-test", "acquire-on-pooled");
        AdvisoryLocks pooled = AdvisoryLocks.builder(SERVER.dataSource()).transactionPooling(true).build();
        try (Connection c = SERVER.connect()) {
            assertThatThrownBy(() -> pooled.acquireOn(c, key, Duration.ofSeconds(1)))
                    .isInstanceOf(UnsafeLockUsageException.class).hasMessageContaining("transactionPooling(true)")
                    .hasMessageContaining("Nothing was locked");
            assertThatThrownBy(() -> pooled.tryAcquireOn(c, key)).isInstanceOf(UnsafeLockUsageException.class);
            assertThat(PgLocks.of(SERVER, key)).isEmpty();
            try (SessionLock own = pooled.acquire(key, Duration.ofSeconds(1))) {
                assertThat(own.isHeld()).as("its own pinned connection is fine").isTrue();
            }
        }
    }

    @Test
    void aSessionLockIsHeldByItsOwnBackendUntilClosedAndReportsAcquireAndRelease() throws Exception {
        LockKey key = LockKey.named("session-test", "basic");
        try (SessionLock lock = locks.acquire(key, Duration.ofSeconds(5))) {
            assertThat(lock.key()).isEqualTo(key);
            assertThat(lock.isHeld()).isTrue();
            assertThat(PgLocks.granted(SERVER, key)).extracting(PgLocks.Row::pid).containsExactly(lock.pid());
            assertThat(locks.tryAcquire(key)).as("another session cannot take it").isEmpty();
        }
        assertThat(PgLocks.of(SERVER, key)).isEmpty();
        assertThat(listener.of("acquired")).hasSize(1);
        assertThat(listener.of("released")).hasSize(1);
        assertThat(listener.of("released").get(0).event().scope()).isEqualTo(LockScope.SESSION);
    }

    @Test
    void closeIsIdempotent() {
        SessionLock lock = locks.acquire(LockKey.of(31L), Duration.ofSeconds(5));
        lock.close();
        lock.close();
        assertThat(lock.isHeld()).isFalse();
        assertThat(listener.of("released")).hasSize(1);
    }

    @Test
    void aSecondSessionWaitsThenTimesOutOnTheServer() throws Exception {
        LockKey key = LockKey.named("session-test", "timeout");
        try (SessionLock held = locks.acquire(key, Duration.ofSeconds(5))) {
            assertThatThrownBy(() -> locks.acquire(key, Duration.ofMillis(200)))
                    .isInstanceOfSatisfying(LockTimeoutException.class, e -> {
                        assertThat(((SQLException) e.getCause()).getSQLState()).isEqualTo("55P03");
                        assertThat(e.holderPids()).containsExactly(held.pid());
                    });
            assertThat(PgLocks.of(SERVER, key)).hasSize(1);
        }
    }

    @Test
    void aWaiterGetsTheLockWhenTheHolderReleasesIt() throws Exception {
        LockKey key = LockKey.named("session-test", "handover");
        SessionLock first = locks.acquire(key, Duration.ofSeconds(5));
        Thread releaser = new Thread(() -> {
            try {
                PgLocks.awaitWaiter(SERVER);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            first.close();
        });
        releaser.start();
        try (SessionLock second = locks.acquire(key, Duration.ofSeconds(30))) {
            assertThat(PgLocks.granted(SERVER, key)).extracting(PgLocks.Row::pid).containsExactly(second.pid());
        }
        releaser.join();
    }

    @Test
    void sharedSessionLocksCoexistAndBlockAnExclusiveOne() {
        LockKey key = LockKey.of(7, 7);
        try (SessionLock a = locks.acquire(key, LockMode.SHARED, Duration.ofSeconds(5));
             SessionLock b = locks.acquire(key, LockMode.SHARED, Duration.ofSeconds(5))) {
            assertThat(a.pid()).isNotEqualTo(b.pid());
            assertThat(PgLocks.granted(SERVER, key)).hasSize(2).allMatch(r -> r.mode().equals("ShareLock"));
            assertThat(locks.tryAcquire(key, LockMode.EXCLUSIVE)).isEmpty();
            Optional<SessionLock> third = locks.tryAcquire(key, LockMode.SHARED);
            assertThat(third).isPresent();
            third.get().close();
        }
        try (SessionLock exclusive = locks.acquire(key, Duration.ofSeconds(5))) {
            assertThat(exclusive.isHeld()).isTrue();
            assertThat(PgLocks.granted(SERVER, key)).singleElement().extracting(PgLocks.Row::mode).isEqualTo("ExclusiveLock");
        }
    }

    @Test
    void theLockSurvivesTransactionsOnItsConnectionAndDiesWithTheBackend() throws Exception {
        LockKey key = LockKey.named("session-test", "terminated");
        SessionLock lock = locks.acquire(key, Duration.ofSeconds(5));
        PgLocks.terminate(SERVER, lock.pid());
        assertThat(PgLocks.awaitNone(SERVER)).isEmpty();
        assertThatThrownBy(lock::close).isInstanceOf(LockLostException.class)
                .hasMessageContaining("session-test/terminated").hasMessageContaining("pid " + lock.pid());
        assertThat(listener.of("lost")).hasSize(1);
    }

    @Test
    void aHandleGarbageCollectedWhileHeldIsReportedWithWhereItWasAcquiredAndReleased() throws Exception {
        LockKey key = LockKey.named("session-test", "forgotten");
        int pid = acquireAndForget(key);
        assertThat(PgLocks.granted(SERVER, key)).extracting(PgLocks.Row::pid).containsExactly(pid);
        for (int i = 0; i < 1500 && listener.of("abandoned").isEmpty(); i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertThat(listener.of("abandoned")).singleElement().satisfies(e -> {
            assertThat(e.event().key()).isEqualTo(key);
            assertThat(e.event().pid()).isEqualTo(pid);
            assertThat(Arrays.stream(e.detail().getStackTrace()).map(StackTraceElement::getMethodName))
                    .contains("acquireAndForget");
        });
        assertThat(PgLocks.awaitNone(SERVER)).isEmpty();
    }

    private int acquireAndForget(LockKey key) {
        return locks.acquire(key, Duration.ofSeconds(5)).pid();
    }

    @Test
    void aSessionLockOnTheCallersConnectionSurvivesARollbackAndIsReleasedByClose() throws Exception {
        LockKey key = LockKey.named("session-test", "caller-connection");
        try (Connection c = SERVER.connect()) {
            c.setAutoCommit(false);
            SessionLock lock = locks.acquireOn(c, key, Duration.ofSeconds(5));
            c.rollback();
            assertThat(PgLocks.granted(SERVER, key)).extracting(PgLocks.Row::pid).containsExactly(PgLocks.pid(c));
            lock.close();
            c.rollback();
            assertThat(PgLocks.of(SERVER, key)).isEmpty();
            assertThat(c.isClosed()).isFalse();
            assertThat(locks.tryAcquireOn(c, key)).hasValueSatisfying(SessionLock::close);
        }
    }
}
