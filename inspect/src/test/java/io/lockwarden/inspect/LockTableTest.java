package io.lockwarden.inspect;

import static io.lockwarden.testkit.fixture.LockSessions.exec;
import static io.lockwarden.testkit.fixture.LockSessions.pid;
import static org.assertj.core.api.Assertions.assertThat;

import io.lockwarden.inspect.rules.BackendHoldsManyLocksRule;
import io.lockwarden.inspect.rules.LockTableFillingRule;
import io.lockwarden.testkit.fixture.LockSessions;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.sql.Connection;
import org.junit.jupiter.api.Test;

class LockTableTest {

    @Test
    void lockTableFillingUpIsAWarningThenAnError() throws Exception {
        // capacity as documented: max_locks_per_transaction * (max_connections + max_prepared_transactions) = 200
        try (PostgresServer server = PostgresServer.builder().setting("max_connections", "20")
                .setting("max_locks_per_transaction", "10").start();
             LockSessions sessions = new LockSessions(server)) {
            Inspector inspector = Inspector.of(server.dataSource());
            Connection c = sessions.open("filler");
            int pid = pid(c);
            exec(c, "SELECT pg_advisory_lock(k) FROM generate_series(1, 110) k");
            assertThat(sessions.heldInPgLocks(pid)).isEqualTo(110);

            Diagnosis half = inspector.diagnose();
            assertThat(half.snapshot().settings().lockTableCapacity()).contains(200L);
            assertThat(half.findings(LockTableFillingRule.ID)).singleElement().satisfies(f -> {
                assertThat(f.severity()).isEqualTo(Severity.WARNING);
                assertThat((Long) f.evidence().get("used")).isGreaterThanOrEqualTo(110L);
                assertThat(f.evidence()).containsEntry("capacity", 200L).containsEntry("advisory", 110L);
            });
            assertThat(half.findings(BackendHoldsManyLocksRule.ID)).singleElement()
                    .satisfies(f -> assertThat(f.pids()).containsExactly(pid));

            exec(c, "SELECT pg_advisory_lock(k) FROM generate_series(111, 170) k");
            assertThat(sessions.heldInPgLocks(pid)).isEqualTo(170);
            assertThat(inspector.diagnose().findings(LockTableFillingRule.ID)).singleElement()
                    .extracting(Finding::severity).isEqualTo(Severity.ERROR);

            exec(c, "SELECT pg_advisory_unlock_all()");
            assertThat(inspector.diagnose().findings(LockTableFillingRule.ID)).isEmpty();
        }
    }
}
