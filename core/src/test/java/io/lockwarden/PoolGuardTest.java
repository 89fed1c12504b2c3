package io.lockwarden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PoolGuardTest {
    private static final PostgresServer SERVER = PostgresServer.shared();
    private final HikariDataSource pool = pool(1);

    @AfterEach
    void closePoolAndCheck() throws InterruptedException {
        pool.close();
        assertThat(PgLocks.awaitNone(SERVER)).as("advisory locks left on the server").isEmpty();
    }

    @Test
    void withoutTheGuardARawSessionLockStaysOnTheConnectionReturnedToThePool() throws Exception {
        LockKey key = LockKey.named("guard-test", "raw");
        int pid;
        try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
            pid = PgLocks.pid(c);
            st.execute("SELECT pg_advisory_lock(" + key.sqlArguments() + ")");
        }
        assertThat(PgLocks.granted(SERVER, key)).as("returned to the pool, still locked")
                .extracting(PgLocks.Row::pid).containsExactly(pid);
        try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
            st.execute("SELECT pg_advisory_unlock_all()");
        }
    }

    @Test
    void theGuardReleasesAndReportsALockStillHeldWhenItsConnectionGoesBackToThePool() throws Exception {
        LockKey key = LockKey.named("guard-test", "forgotten");
        RecordingListener listener = new RecordingListener();
        DataSource guarded = AdvisoryLocks.guard(pool);
        AdvisoryLocks locks = AdvisoryLocks.builder(guarded).listener(listener).build();
        int pid;
        try (Connection c = guarded.getConnection()) {
            pid = PgLocks.pid(c);
            SessionLock forgotten = forgetToClose(locks, c, key);
            assertThat(forgotten.isHeld()).isTrue();
            assertThat(PgLocks.granted(SERVER, key)).extracting(PgLocks.Row::pid).containsExactly(pid);
        }
        assertThat(PgLocks.of(SERVER, key)).as("released before the pool got the connection back").isEmpty();
        assertThat(listener.of("abandoned")).singleElement().satisfies(e -> {
            assertThat(e.event().key()).isEqualTo(key);
            assertThat(e.event().pid()).isEqualTo(pid);
            assertThat(Arrays.stream(e.detail().getStackTrace()).map(StackTraceElement::getMethodName))
                    .contains("forgetToClose");
        });
        try (Connection c = guarded.getConnection()) {
            assertThat(PgLocks.pid(c)).as("the pool reuses the same, now clean, connection").isEqualTo(pid);
        }
    }

    private static SessionLock forgetToClose(AdvisoryLocks locks, Connection c, LockKey key) {
        return locks.acquireOn(c, key, Duration.ofSeconds(5));
    }

    @Test
    void aLockClosedProperlyIsNotReportedByTheGuard() throws Exception {
        RecordingListener listener = new RecordingListener();
        DataSource guarded = AdvisoryLocks.guard(pool);
        AdvisoryLocks locks = AdvisoryLocks.builder(guarded).listener(listener).build();
        try (Connection c = guarded.getConnection(); SessionLock lock = locks.acquireOn(c, LockKey.of(5150L),
                Duration.ofSeconds(5))) {
            assertThat(lock.isHeld()).isTrue();
        }
        assertThat(listener.of("abandoned")).isEmpty();
        assertThat(listener.of("released")).hasSize(1);
    }

    @Test
    void transactionLocksThroughThePoolLeaveNothingAndRestoreAutocommit() throws Exception {
        AdvisoryLocks locks = AdvisoryLocks.using(AdvisoryLocks.guard(pool));
        assertThatThrownBy(() -> locks.withLock(LockKey.of(1L), c -> {
            throw new IllegalStateException("boom");
        })).hasMessage("boom");
        try (Connection c = pool.getConnection()) {
            assertThat(c.getAutoCommit()).isTrue();
        }
        boolean inWork = locks.withLock(LockKey.of(1L), c -> c.getAutoCommit());
        assertThat(inWork).isFalse();
        try (Connection c = pool.getConnection()) {
            assertThat(c.getAutoCommit()).isTrue();
        }
    }

    @Test
    void aSessionLockKeepsItsConnectionOutOfThePoolWhileHeld() throws Exception {
        try (HikariDataSource two = pool(2)) {
            AdvisoryLocks locks = AdvisoryLocks.using(two);
            try (SessionLock lock = locks.acquire(LockKey.of(8L), Duration.ofSeconds(5))) {
                assertThat(two.getHikariPoolMXBean().getActiveConnections()).isEqualTo(1);
                try (Connection other = two.getConnection()) {
                    assertThat(PgLocks.pid(other)).isNotEqualTo(lock.pid());
                }
            }
            assertThat(two.getHikariPoolMXBean().getActiveConnections()).isZero();
        }
    }

    private static HikariDataSource pool(int size) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(SERVER.jdbcUrl());
        config.setUsername(PostgresServer.SUPERUSER);
        config.setPassword(SERVER.password());
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(0);
        config.setPoolName("lockwarden-guard-test");
        return new HikariDataSource(config);
    }
}
