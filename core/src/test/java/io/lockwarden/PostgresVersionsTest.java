package io.lockwarden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockwarden.testkit.fixture.PostgresServer;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The key paths on the oldest (14) and newest (18) supported PostgreSQL. */
class PostgresVersionsTest {

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {14, 18})
    void transactionLocksAreHeldDuringTheWorkTimeOutOnTheServerAndLeaveNothing(int version) throws Exception {
        PostgresServer server = PostgresServer.shared(version);
        AdvisoryLocks locks = AdvisoryLocks.using(server.dataSource());
        LockKey key = LockKey.named("versions", "tx");
        int pid = locks.withLock(key, Duration.ofSeconds(5), c -> {
            assertThat(PgLocks.granted(server, key)).hasSize(1);
            return PgLocks.pid(c);
        });
        assertThat(pid).isPositive();
        try (Connection holder = PgLocks.holdRaw(server, key)) {
            assertThat(holder.isClosed()).isFalse();
            assertThatThrownBy(() -> locks.withLock(key, Duration.ofMillis(100), c -> 1))
                    .isInstanceOfSatisfying(LockTimeoutException.class,
                            e -> assertThat(((SQLException) e.getCause()).getSQLState()).isEqualTo("55P03"));
            assertThat(locks.tryWithLock(key, c -> 1)).isEmpty();
        }
        assertThat(PgLocks.awaitNone(server)).isEmpty();
    }

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {14, 18})
    void sessionLocksAreHeldUntilCloseAndVerifiedOnRelease(int version) throws Exception {
        PostgresServer server = PostgresServer.shared(version);
        AdvisoryLocks locks = AdvisoryLocks.using(server.dataSource());
        LockKey key = LockKey.of(Long.MIN_VALUE);
        try (SessionLock lock = locks.acquire(key, Duration.ofSeconds(5))) {
            assertThat(PgLocks.granted(server, key)).extracting(PgLocks.Row::pid).containsExactly(lock.pid());
            assertThat(locks.tryAcquire(key)).isEmpty();
        }
        SessionLock lost = locks.acquire(key, Duration.ofSeconds(5));
        PgLocks.terminate(server, lost.pid());
        assertThat(PgLocks.awaitNone(server)).isEmpty();
        assertThatThrownBy(lost::close).isInstanceOf(LockLostException.class);
        try (LeaderLock leader = locks.tryHoldLeader(key, l -> { }).orElseThrow()) {
            leader.verifyHeld();
        }
        assertThat(PgLocks.awaitNone(server)).isEmpty();
    }
}
