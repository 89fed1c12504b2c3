package io.lockwarden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockwarden.testkit.fixture.PgBouncer;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The incident Lockwarden exists for, reproduced through a real PgBouncer in transaction pooling:
 * a session lock taken in a transaction that rolls back stays on the server connection and moves to
 * the next client.
 */
class PgBouncerSeedFailureTest {
    private static final PostgresServer SERVER = PostgresServer.shared();

    @AfterEach
    void noAdvisoryLockLeft() throws InterruptedException {
        assertThat(PgLocks.awaitNone(SERVER)).as("advisory locks left on the server").isEmpty();
    }

    @Test
    void aRawSessionLockInARolledBackTransactionLeaksToTheNextClientOfThePooler() throws Exception {
        LockKey key = LockKey.named("seed", "raw");
        try (PgBouncer bouncer = PgBouncer.builder(SERVER).poolSize(1).start()) {
            try (Connection first = bouncer.connect()) {
                first.setAutoCommit(false);
                query(first, "SELECT pg_advisory_lock(" + key.sqlArguments() + ")");
                first.rollback();
            }
            List<PgLocks.Row> leaked = PgLocks.granted(SERVER, key);
            assertThat(leaked).as("the lock outlived its client and its rolled-back transaction").hasSize(1);
            int serverPid = leaked.get(0).pid();
            try (Connection direct = SERVER.connect()) {
                assertThat(query(direct, "SELECT pg_try_advisory_lock(" + key.sqlArguments() + ")"))
                        .as("everyone else is locked out").isEqualTo("f");
            }
            try (Connection next = bouncer.connect()) {
                assertThat(query(next, "SELECT pg_backend_pid()")).isEqualTo(Integer.toString(serverPid));
                assertThat(query(next, "SELECT pg_try_advisory_lock(" + key.sqlArguments() + ")"))
                        .as("an unrelated client 'gets' the held lock: mutual exclusion is broken").isEqualTo("t");
            }
            PgLocks.terminate(SERVER, serverPid);
        }
    }

    @Test
    void theSameWorkThroughLockwardensTransactionScopeLeaksNothing() throws Exception {
        LockKey key = LockKey.named("seed", "lockwarden-tx");
        try (PgBouncer bouncer = PgBouncer.builder(SERVER).poolSize(1).start()) {
            AdvisoryLocks locks = AdvisoryLocks.using(bouncer.dataSource());
            assertThatThrownBy(() -> locks.withLock(key, Duration.ofSeconds(5), c -> {
                assertThat(PgLocks.granted(SERVER, key)).hasSize(1);
                throw new IllegalStateException("the work fails and the transaction rolls back");
            })).isInstanceOf(IllegalStateException.class);
            assertThat(PgLocks.of(SERVER, key)).isEmpty();
            assertThat(locks.<String>withLock(key, Duration.ofSeconds(5), c -> "committed")).isEqualTo("committed");
            assertThat(PgLocks.of(SERVER, key)).isEmpty();
            assertThat(locks.tryWithLock(key, c -> "free")).contains("free");
            try (Connection direct = SERVER.connect()) {
                assertThat(query(direct, "SELECT pg_try_advisory_xact_lock(" + key.sqlArguments() + ")")).isEqualTo("t");
            }
        }
    }

    @Test
    void lockwardensSessionLockThroughTransactionPoolingStaysOnItsBackendWhileOtherClientsComeAndGo() throws Exception {
        LockKey key = LockKey.named("seed", "lockwarden-session");
        try (PgBouncer bouncer = PgBouncer.builder(SERVER).poolSize(2).start()) {
            AdvisoryLocks locks = AdvisoryLocks.using(bouncer.dataSource());
            SessionLock lock = locks.acquire(key, Duration.ofSeconds(5));
            assertThat(PgLocks.granted(SERVER, key)).extracting(PgLocks.Row::pid).containsExactly(lock.pid());
            for (int i = 0; i < 5; i++) {
                try (Connection other = bouncer.connect()) {
                    other.setAutoCommit(false);
                    assertThat(query(other, "SELECT pg_backend_pid()"))
                            .as("the lock's server connection is pinned by its open transaction: nobody else gets it")
                            .isNotEqualTo(Integer.toString(lock.pid()));
                    assertThat(query(other, "SELECT pg_try_advisory_lock(" + key.sqlArguments() + ")"))
                            .as("and nobody else 'gets' the lock").isEqualTo("f");
                    other.rollback();
                }
            }
            lock.close();
            assertThat(PgLocks.of(SERVER, key)).isEmpty();
        }
    }

    private static String query(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
