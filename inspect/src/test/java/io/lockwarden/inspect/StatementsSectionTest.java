package io.lockwarden.inspect;

import static io.lockwarden.testkit.fixture.LockSessions.exec;
import static org.assertj.core.api.Assertions.assertThat;

import io.lockwarden.testkit.fixture.PostgresServer;
import java.sql.Connection;
import org.junit.jupiter.api.Test;

class StatementsSectionTest {

    @Test
    void advisoryLockStatementsFromPgStatStatementsAreIncludedWhenInstalled() throws Exception {
        try (PostgresServer server = PostgresServer.builder()
                .setting("shared_preload_libraries", "pg_stat_statements").start()) {
            try (Connection c = server.connect()) {
                assertThat(Inspector.of(server.dataSource()).snapshot().statements()).isEmpty();
                exec(c, "CREATE EXTENSION pg_stat_statements");
                for (int i = 0; i < 3; i++) {
                    exec(c, "SELECT pg_advisory_lock(12345)");
                    exec(c, "SELECT pg_advisory_unlock(12345)");
                }
                exec(c, "SELECT 1");
            }
            Snapshot s = Inspector.of(server.dataSource()).snapshot();
            assertThat(s.statements()).hasValueSatisfying(list -> {
                assertThat(list).anySatisfy(st -> {
                    assertThat(st.query()).contains("pg_advisory_lock(");
                    assertThat(st.calls()).isEqualTo(3);
                    assertThat(st.meanMillis()).isGreaterThanOrEqualTo(0);
                });
                assertThat(list).noneMatch(st -> st.query().equals("SELECT $1"));
            });
            assertThat(Inspector.builder(server.dataSource()).statements(false).build().snapshot().statements())
                    .isEmpty();
        }
    }
}
