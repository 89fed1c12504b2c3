package io.lockwarden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockwarden.testkit.fixture.PostgresServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TransactionLockTest {
    private static final PostgresServer SERVER = PostgresServer.shared();
    private final AdvisoryLocks locks = AdvisoryLocks.using(SERVER.dataSource());

    @BeforeAll
    static void table() throws SQLException {
        try (Connection c = SERVER.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS lw_tx_test (id text PRIMARY KEY)");
        }
    }

    @AfterEach
    void noAdvisoryLockLeft() throws InterruptedException {
        assertThat(PgLocks.awaitNone(SERVER)).as("advisory locks left on the server").isEmpty();
    }

    @Test
    void workRunsWhileTheServerShowsTheLockGrantedToItsBackendThenCommits() {
        LockKey key = LockKey.named("tx-test", "commit");
        String id = "commit-" + System.nanoTime();
        Integer pid = locks.withLock(key, Duration.ofSeconds(5), c -> {
            List<PgLocks.Row> rows = PgLocks.granted(SERVER, key);
            assertThat(rows).hasSize(1);
            assertThat(rows.get(0).mode()).isEqualTo("ExclusiveLock");
            assertThat(c.getAutoCommit()).isFalse();
            insert(c, id);
            return rows.get(0).pid();
        });
        assertThat(pid).isPositive();
        assertThat(exists(id)).isTrue();
    }

    @Test
    void theListenerSeesAcquireReleaseAndFailureWithKeyScopeAndPid() throws Exception {
        RecordingListener listener = new RecordingListener();
        AdvisoryLocks observed = AdvisoryLocks.builder(SERVER.dataSource()).listener(listener).build();
        LockKey key = LockKey.named("tx-test", "listener");
        int pid = observed.withLock(key, Duration.ofSeconds(5), PgLocks::pid);
        assertThat(listener.events).extracting(RecordingListener.Event::kind).containsExactly("acquired", "released");
        assertThat(listener.events).allSatisfy(e -> {
            assertThat(e.event().key()).isEqualTo(key);
            assertThat(e.event().scope()).isEqualTo(LockScope.TRANSACTION);
            assertThat(e.event().mode()).isEqualTo(LockMode.EXCLUSIVE);
            assertThat(e.event().pid()).isEqualTo(pid);
        });
        try (Connection holder = PgLocks.holdRaw(SERVER, key)) {
            assertThat(holder.isClosed()).isFalse();
            assertThat(observed.tryWithLock(key, c -> 1)).isEmpty();
            assertThatThrownBy(() -> observed.withLock(key, Duration.ofMillis(50), c -> 1))
                    .isInstanceOf(LockTimeoutException.class);
        }
        assertThat(listener.of("failed")).extracting(e -> e.detail().getClass().getSimpleName())
                .containsExactly("LockNotAvailableException", "LockTimeoutException");
    }

    @Test
    void theWorkSeesItsTransactionsOwnLockTimeoutNotTheLockWaitTimeout() {
        String inWork = locks.withLock(LockKey.of(4711L), Duration.ofMillis(1234), c -> {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW lock_timeout")) {
                rs.next();
                return rs.getString(1);
            }
        });
        assertThat(inWork).isEqualTo("0");
    }

    @Test
    void secondCallerTimesOutOnTheServerWithSqlState55P03AndTheMessageNamesKeyAndHolder() throws Exception {
        LockKey key = LockKey.named("tx-test", "timeout");
        try (Connection holder = PgLocks.holdRaw(SERVER, key)) {
            int holderPid = PgLocks.pid(holder);
            long start = System.nanoTime();
            assertThatThrownBy(() -> locks.withLock(key, Duration.ofMillis(300), c -> "never"))
                    .isInstanceOfSatisfying(LockTimeoutException.class, e -> {
                        assertThat(((SQLException) e.getCause()).getSQLState()).isEqualTo("55P03");
                        assertThat(e.getMessage()).contains("tx-test/timeout").contains("pid " + holderPid)
                                .contains("Next:");
                        assertThat(e.holderPids()).containsExactly(holderPid);
                        assertThat(e.key()).contains(key);
                    });
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
            assertThat(PgLocks.granted(SERVER, key)).extracting(PgLocks.Row::pid).containsExactly(holderPid);
        }
    }

    @Test
    void tryWithLockReturnsEmptyAndDoesNotRunTheWorkWhileAnotherSessionHoldsIt() throws Exception {
        LockKey key = LockKey.of(-77L);
        try (Connection holder = PgLocks.holdRaw(SERVER, key)) {
            assertThat(holder.isClosed()).isFalse();
            Optional<String> result = locks.tryWithLock(key, c -> {
                throw new AssertionError("work must not run without the lock");
            });
            assertThat(result).isEmpty();
        }
        assertThat(locks.tryWithLock(key, c -> "ran")).contains("ran");
    }

    @Test
    void anExceptionInTheWorkRollsBackReleasesAndIsRethrownUnchanged() {
        LockKey key = LockKey.named("tx-test", "exception");
        String id = "exception-" + System.nanoTime();
        IllegalStateException boom = new IllegalStateException("boom");
        assertThatThrownBy(() -> locks.withLock(key, c -> {
            insert(c, id);
            throw boom;
        })).isSameAs(boom);
        assertThat(exists(id)).isFalse();
    }

    @Test
    void anErrorInTheWorkRollsBackReleasesAndIsRethrownUnchanged() {
        LockKey key = LockKey.named("tx-test", "error");
        String id = "error-" + System.nanoTime();
        OutOfMemoryError error = new OutOfMemoryError("simulated");
        assertThatThrownBy(() -> locks.withLock(key, c -> {
            insert(c, id);
            throw error;
        })).isSameAs(error);
        assertThat(exists(id)).isFalse();
    }

    @Test
    void aCheckedExceptionInTheWorkIsWrappedWithTheKeyAfterRollback() {
        LockKey key = LockKey.named("tx-test", "checked");
        Exception checked = new java.io.IOException("disk full");
        assertThatThrownBy(() -> locks.withLock(key, c -> {
            throw checked;
        })).isInstanceOf(LockedWorkException.class).hasCause(checked).hasMessageContaining("tx-test/checked");
    }

    @Test
    void aThreadInterruptedWhileWaitingStopsWaitingOnTheServerAndKeepsItsInterruptFlag() throws Exception {
        LockKey key = LockKey.named("tx-test", "interrupt");
        try (Connection holder = PgLocks.holdRaw(SERVER, key)) {
            assertThat(holder.isClosed()).isFalse();
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            AtomicReference<Boolean> flag = new AtomicReference<>();
            Thread waiter = new Thread(() -> {
                try {
                    locks.withLock(key, Duration.ofSeconds(60), c -> "never");
                } catch (Throwable t) {
                    thrown.set(t);
                }
                flag.set(Thread.currentThread().isInterrupted());
            });
            waiter.start();
            int waiterPid = PgLocks.awaitWaiter(SERVER);
            waiter.interrupt();
            waiter.join(30_000);
            assertThat(waiter.isAlive()).isFalse();
            assertThat(thrown.get()).isInstanceOf(LockInterruptedException.class).hasMessageContaining("tx-test/interrupt");
            assertThat(flag.get()).isTrue();
            assertThat(PgLocks.of(SERVER, key)).as("no waiter left").allMatch(PgLocks.Row::granted)
                    .noneMatch(r -> r.pid() == waiterPid);
        }
    }

    @Test
    void sharedLocksCoexistAndExcludeAnExclusiveOne() throws Exception {
        LockKey key = LockKey.named("tx-test", "shared");
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch leave = new CountDownLatch(1);
        ExecutorService thread = Executors.newSingleThreadExecutor();
        Future<String> first = thread.submit(() -> locks.withSharedLock(key, c -> {
            inside.countDown();
            assertThat(leave.await(30, TimeUnit.SECONDS)).isTrue();
            return "first";
        }));
        assertThat(inside.await(30, TimeUnit.SECONDS)).isTrue();
        String second = locks.withSharedLock(key, Duration.ofSeconds(5), c -> {
            assertThat(PgLocks.granted(SERVER, key)).hasSize(2).allMatch(r -> r.mode().equals("ShareLock"));
            return "second";
        });
        assertThat(second).isEqualTo("second");
        assertThat(locks.tryWithLock(key, LockMode.EXCLUSIVE, c -> "exclusive")).isEmpty();
        leave.countDown();
        assertThat(first.get(30, TimeUnit.SECONDS)).isEqualTo("first");
        thread.shutdown();
        assertThat(locks.tryWithLock(key, LockMode.EXCLUSIVE, c -> "exclusive")).contains("exclusive");
    }

    @Test
    void twoThreadsLockingTheSameKeysInOppositeOrdersNeverDeadlock() throws Exception {
        LockKey a = LockKey.named("tx-test", "multi-a");
        LockKey b = LockKey.of(99L);
        LockKey c3 = LockKey.of(3, 4);
        int rounds = 40;
        CyclicBarrier together = new CyclicBarrier(2);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Future<Integer> forward = threads.submit(() -> {
                int done = 0;
                for (int i = 0; i < rounds; i++) {
                    together.await(30, TimeUnit.SECONDS);
                    done += locks.withLocks(List.of(a, b, c3), Duration.ofSeconds(20), c -> 1);
                }
                return done;
            });
            Future<Integer> backward = threads.submit(() -> {
                int done = 0;
                for (int i = 0; i < rounds; i++) {
                    together.await(30, TimeUnit.SECONDS);
                    done += locks.withLocks(List.of(c3, b, a, b), Duration.ofSeconds(20), c -> 1);
                }
                return done;
            });
            assertThat(forward.get(60, TimeUnit.SECONDS)).isEqualTo(rounds);
            assertThat(backward.get(60, TimeUnit.SECONDS)).isEqualTo(rounds);
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void aCallerNamingKeysInTheOtherOrderWaitsForTheFirstSortedKeyHoldingNothing() throws Exception {
        LockKey low = LockKey.of(1000L);
        LockKey high = LockKey.of(2000L);
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch leave = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Future<String> first = threads.submit(() -> locks.withLocks(List.of(low, high), Duration.ofSeconds(30), c -> {
                inside.countDown();
                assertThat(leave.await(30, TimeUnit.SECONDS)).isTrue();
                return "first";
            }));
            assertThat(inside.await(30, TimeUnit.SECONDS)).isTrue();
            Future<String> second = threads.submit(() -> locks.withLocks(List.of(high, low), Duration.ofSeconds(30),
                    c -> "second"));
            int waiter = PgLocks.awaitWaiter(SERVER);
            assertThat(PgLocks.advisory(SERVER).stream().filter(r -> r.pid() == waiter).toList())
                    .as("the second caller waits for the lowest key and holds none of the others")
                    .singleElement().satisfies(r -> {
                        assertThat(r.key()).isEqualTo(low);
                        assertThat(r.granted()).isFalse();
                    });
            leave.countDown();
            assertThat(first.get(30, TimeUnit.SECONDS)).isEqualTo("first");
            assertThat(second.get(30, TimeUnit.SECONDS)).isEqualTo("second");
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void controlRawLocksInOppositeOrdersDoDeadlock() throws Exception {
        LockKey one = LockKey.of(3001L);
        LockKey two = LockKey.of(3002L);
        CyclicBarrier bothHoldTheirFirst = new CyclicBarrier(2);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            Future<String> ab = threads.submit(() -> rawInOrder(one, two, bothHoldTheirFirst));
            Future<String> ba = threads.submit(() -> rawInOrder(two, one, bothHoldTheirFirst));
            assertThat(List.of(ab.get(60, TimeUnit.SECONDS), ba.get(60, TimeUnit.SECONDS)))
                    .as("PostgreSQL breaks the deadlock by failing one side").containsExactlyInAnyOrder("ok", "40P01");
        } finally {
            threads.shutdownNow();
        }
    }

    private static String rawInOrder(LockKey first, LockKey second, CyclicBarrier barrier) throws Exception {
        try (Connection c = SERVER.connect(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("SELECT pg_advisory_xact_lock(" + first.sqlArguments() + ")");
            barrier.await(30, TimeUnit.SECONDS);
            try {
                st.execute("SELECT pg_advisory_xact_lock(" + second.sqlArguments() + ")");
                c.commit();
                return "ok";
            } catch (SQLException e) {
                c.rollback();
                return e.getSQLState();
            }
        }
    }

    @Test
    void multiKeyWorkSeesEveryKeyHeldByItsOwnBackend() {
        List<LockKey> keys = List.of(LockKey.named("tx-test", "m1"), LockKey.of(5L), LockKey.of(-1, 2));
        locks.withLocks(keys, Duration.ofSeconds(5), c -> {
            int pid = PgLocks.pid(c);
            for (LockKey key : keys) {
                assertThat(PgLocks.granted(SERVER, key)).extracting(PgLocks.Row::pid).containsExactly(pid);
            }
            return null;
        });
    }

    private static void insert(Connection c, String id) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.executeUpdate("INSERT INTO lw_tx_test VALUES ('" + id + "')");
        }
    }

    private static boolean exists(String id) {
        try (Connection c = SERVER.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM lw_tx_test WHERE id = '" + id + "'")) {
            rs.next();
            return rs.getInt(1) == 1;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
