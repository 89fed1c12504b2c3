package io.lockwarden.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockwarden.LockKey;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class AdvisoryLockAssertionsTest {
    private final PostgresServer server = PostgresServer.shared();

    @Test
    void aHeldNamedLockFailsTheAssertionWithItsNameAndReleasingItMakesItPass() throws SQLException {
        LockKey key = LockKey.named("orders", "order-7");
        LockCheckScope scope = LockCheckScope.all().withKnownKeys(key).withSettle(Duration.ofMillis(100));
        try (Connection holder = server.connect("assertions-holder"); Statement st = holder.createStatement()) {
            int pid = pid(st);
            st.execute("SELECT pg_advisory_lock(" + key.sqlArguments() + ")");

            assertThatThrownBy(() -> AdvisoryLockAssertions.assertNoAdvisoryLocks(server.dataSource(), scope))
                    .isInstanceOf(AdvisoryLockLeakError.class)
                    .hasMessageContaining("key orders/order-7")
                    .hasMessageContaining("pid " + pid)
                    .satisfies(e -> assertThat(((AdvisoryLockLeakError) e).locks())
                            .singleElement().satisfies(l -> {
                                assertThat(l.key()).isEqualTo(key);
                                assertThat(l.applicationName()).isEqualTo("assertions-holder");
                            }));

            st.execute("SELECT pg_advisory_unlock(" + key.sqlArguments() + ")");
            assertThatCode(() -> AdvisoryLockAssertions.assertNoAdvisoryLocks(server.dataSource(), scope))
                    .doesNotThrowAnyException();
        }
    }

    @Test
    void aKnownNamespaceNamesAPairKeyWhoseNameIsUnknown() throws SQLException {
        LockKey key = LockKey.named("reports", "daily");
        try (Connection holder = server.connect(); Statement st = holder.createStatement()) {
            st.execute("SELECT pg_advisory_lock(" + key.sqlArguments() + ")");

            assertThat(AdvisoryLockAssertions.heldAdvisoryLocks(server.dataSource(),
                    LockCheckScope.all().withNamespaces("reports").withSettle(Duration.ZERO)))
                    .singleElement().satisfies(l -> assertThat(l.label()).isEqualTo("reports/#" + key.key2()));
        }
    }

    @Test
    void databaseAndUserFiltersExcludeLocksOutsideThem() throws SQLException {
        try (Connection holder = server.connect(); Statement st = holder.createStatement()) {
            st.execute("SELECT pg_advisory_lock(11)");

            assertThat(AdvisoryLockAssertions.heldAdvisoryLocks(server.dataSource(),
                    LockCheckScope.all().withDatabase("template1").withSettle(Duration.ZERO))).isEmpty();
            assertThat(AdvisoryLockAssertions.heldAdvisoryLocks(server.dataSource(),
                    LockCheckScope.all().withUser("nobody_else").withSettle(Duration.ZERO))).isEmpty();
            assertThat(AdvisoryLockAssertions.heldAdvisoryLocks(server.dataSource(),
                    LockCheckScope.all().withDatabase("postgres").withUser("postgres").withSettle(Duration.ZERO)))
                    .singleElement().satisfies(l -> assertThat(l.key()).isEqualTo(LockKey.of(11)));
        }
    }

    @Test
    void locksOfAClosedSessionDoNotCountAsLeaks() throws SQLException {
        try (Connection holder = server.connect(); Statement st = holder.createStatement()) {
            st.execute("SELECT pg_advisory_lock(12)");
        }
        assertThatCode(() -> AdvisoryLockAssertions.assertNoAdvisoryLocks(server.dataSource()))
                .doesNotThrowAnyException();
    }

    static int pid(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
