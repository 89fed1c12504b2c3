package io.lockwarden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockwarden.testkit.fixture.PostgresServer;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MisuseTest {
    private static final PostgresServer SERVER = PostgresServer.shared();
    private final AdvisoryLocks locks = AdvisoryLocks.using(SERVER.dataSource());

    @AfterEach
    void noAdvisoryLockLeft() throws InterruptedException {
        assertThat(PgLocks.awaitNone(SERVER)).as("advisory locks left on the server").isEmpty();
    }

    @Test
    void aTransactionLockOnAnAutocommitConnectionIsRefusedWithTheReasonAndTheFix() throws Exception {
        LockKey key = LockKey.named("misuse", "autocommit");
        try (Connection c = SERVER.connect()) {
            assertThat(c.getAutoCommit()).isTrue();
            assertThatThrownBy(() -> locks.lockInTransaction(c, key, Duration.ofSeconds(1)))
                    .isInstanceOf(UnsafeLockUsageException.class)
                    .hasMessageContaining("misuse/autocommit")
                    .hasMessageContaining("autocommit")
                    .hasMessageContaining("released as soon as the locking statement ends")
                    .hasMessageContaining("setAutoCommit(false)");
            assertThatThrownBy(() -> locks.tryLockInTransaction(c, key)).isInstanceOf(UnsafeLockUsageException.class);
            assertThat(PgLocks.of(SERVER, key)).isEmpty();
        }
    }

    @Test
    void aTransactionLockInTheCallersTransactionLastsUntilCommitAndLeavesItsLockTimeoutAlone() throws Exception {
        LockKey key = LockKey.named("misuse", "caller-tx");
        try (Connection c = SERVER.connect(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("SET LOCAL lock_timeout = '7s'");
            locks.lockInTransaction(c, key, Duration.ofMillis(500));
            try (ResultSet rs = st.executeQuery("SHOW lock_timeout")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("7s");
            }
            assertThat(PgLocks.granted(SERVER, key)).extracting(PgLocks.Row::pid).containsExactly(PgLocks.pid(c));
            try (Connection other = SERVER.connect()) {
                other.setAutoCommit(false);
                assertThat(locks.tryLockInTransaction(other, key)).isFalse();
                other.rollback();
            }
            c.commit();
            assertThat(PgLocks.of(SERVER, key)).isEmpty();
        }
    }

    @Test
    void workThatSwitchesAutocommitOnAndSoReleasesTheLockEarlyIsReported() {
        LockKey key = LockKey.named("misuse", "autocommit-in-work");
        assertThatThrownBy(() -> locks.withLock(key, c -> {
            c.setAutoCommit(true);
            assertThat(PgLocks.of(SERVER, key)).as("the lock is already gone").isEmpty();
            return 1;
        })).isInstanceOf(UnsafeLockUsageException.class).hasMessageContaining("misuse/autocommit-in-work")
                .hasMessageContaining("released the lock before the work finished");
    }

    @Test
    void badArgumentsFailAtTheCallSite() {
        LockKey key = LockKey.of(1L);
        assertThatThrownBy(() -> locks.withLock(null, c -> 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("key must not be null");
        assertThatThrownBy(() -> locks.withLock(key, Duration.ofSeconds(-1), c -> 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout must be positive");
        assertThatThrownBy(() -> locks.withLock(key, Duration.ZERO, c -> 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("try-lock");
        assertThatThrownBy(() -> locks.withLock(key, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> locks.acquire(null, Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> locks.holdLeader(key, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> locks.withLocks(List.of(), Duration.ofSeconds(1), c -> 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LockKey.named(" ", "x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AdvisoryLocks.using(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AdvisoryLocks.builder(SERVER.dataSource()).defaultTimeout(Duration.ofMillis(-5)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aDataSourceThatIsNotPostgresqlIsRefusedOnFirstUseAndItsConnectionClosed() {
        AtomicBoolean closed = new AtomicBoolean();
        AdvisoryLocks foreign = AdvisoryLocks.using(new SuppliedDataSource(() -> foreignConnection("H2", closed)));
        assertThatThrownBy(() -> foreign.withLock(LockKey.of(1L), c -> 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'H2', not PostgreSQL");
        assertThat(closed).isTrue();
        assertThatThrownBy(() -> foreign.acquire(LockKey.of(1L), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not PostgreSQL");
    }

    /** Connections of another database: they only answer who they are, and close (setting {@code closed}). */
    private static Connection foreignConnection(String product, AtomicBoolean closed) {
        DatabaseMetaData meta = (DatabaseMetaData) Proxy.newProxyInstance(MisuseTest.class.getClassLoader(),
                new Class<?>[] {DatabaseMetaData.class}, (p, m, a) -> switch (m.getName()) {
                    case "getDatabaseProductName" -> product;
                    default -> throw new SQLException("not supported by this foreign database: " + m.getName());
                });
        return (Connection) Proxy.newProxyInstance(MisuseTest.class.getClassLoader(), new Class<?>[] {Connection.class},
                (p, m, a) -> switch (m.getName()) {
                    case "getMetaData" -> meta;
                    case "close" -> {
                        closed.set(true);
                        yield null;
                    }
                    case "getAutoCommit", "isClosed" -> false;
                    default -> throw new SQLException("not supported by this foreign database: " + m.getName());
                });
    }
}
