package io.lockwarden.inspect;

import static io.lockwarden.testkit.fixture.LockSessions.exec;
import static io.lockwarden.testkit.fixture.LockSessions.pid;
import static org.assertj.core.api.Assertions.assertThat;

import io.lockwarden.inspect.rules.IdleSessionHoldsLocksRule;
import io.lockwarden.inspect.rules.LimitedVisibilityRule;
import io.lockwarden.inspect.rules.RuleOptions;
import io.lockwarden.testkit.fixture.LockSessions;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.sql.Connection;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VisibilityTest {

    private static Inspector readerInspector(PostgresServer server, String role) {
        return Inspector.builder(server.dataSource("postgres", role, "pw-" + role))
                .options(RuleOptions.defaults().withIdleThreshold(Duration.ZERO)).build();
    }

    private static void createRole(PostgresServer server, String role, boolean monitor) throws Exception {
        try (Connection su = server.connect()) {
            exec(su, "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '" + role + "') THEN "
                    + "CREATE ROLE " + role + " LOGIN PASSWORD 'pw-" + role + "'; END IF; END $$");
            exec(su, monitor ? "GRANT pg_monitor TO " + role : "REVOKE pg_monitor FROM " + role);
        }
    }

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {14, 18})
    void readerWithoutPgMonitorSeesTheLockButNotTheSessionAndSaysSo(int version) throws Exception {
        PostgresServer server = PostgresServer.shared(version);
        createRole(server, "plain_reader", false);
        try (LockSessions sessions = new LockSessions(server)) {
            Connection holder = sessions.open("hidden-holder");
            exec(holder, "SELECT pg_advisory_lock(777001)");
            int pid = pid(holder);

            Diagnosis d = readerInspector(server, "plain_reader").diagnose();

            assertThat(d.snapshot().visibility().seesAllSessions()).isFalse();
            assertThat(d.snapshot().visibility().role()).isEqualTo("plain_reader");
            assertThat(d.snapshot().heldBy(pid)).hasSize(1);
            SessionInfo s = d.snapshot().session(pid).orElseThrow();
            assertThat(s.detailsVisible()).isFalse();
            assertThat(s.state()).isNull();
            assertThat(d.snapshot().terminationVerdict(pid).safe()).isFalse();
            assertThat(d.snapshot().terminationVerdict(pid).risk()).contains("hidden");
            assertThat(d.findings(IdleSessionHoldsLocksRule.ID)).noneMatch(f -> f.pids().contains(pid));
            assertThat(d.findings(LimitedVisibilityRule.ID)).singleElement().satisfies(f -> {
                assertThat(f.severity()).isEqualTo(Severity.WARNING);
                assertThat(f.pids()).contains(pid);
                assertThat(f.fix()).contains("GRANT pg_monitor TO plain_reader");
            });
        }
    }

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {14, 18})
    void readerWithPgMonitorSeesEverySession(int version) throws Exception {
        PostgresServer server = PostgresServer.shared(version);
        createRole(server, "monitor_reader", true);
        try (LockSessions sessions = new LockSessions(server)) {
            Connection holder = sessions.open("visible-holder");
            exec(holder, "SELECT pg_advisory_lock(777002)");
            int pid = pid(holder);

            Diagnosis d = readerInspector(server, "monitor_reader").diagnose();

            assertThat(d.snapshot().visibility().seesAllSessions()).isTrue();
            assertThat(d.snapshot().visibility().canSignalBackends()).isFalse();
            SessionInfo s = d.snapshot().session(pid).orElseThrow();
            assertThat(s.detailsVisible()).isTrue();
            assertThat(s.state()).isEqualTo("idle");
            assertThat(d.findings(LimitedVisibilityRule.ID)).isEmpty();
            assertThat(d.findings(IdleSessionHoldsLocksRule.ID)).anyMatch(f -> f.pids().contains(pid)
                    && f.verdicts().get(0).safe());
        }
    }
}
