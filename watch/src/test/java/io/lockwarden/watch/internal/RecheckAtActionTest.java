package io.lockwarden.watch.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lockwarden.inspect.Inspector;
import io.lockwarden.inspect.Snapshot;
import io.lockwarden.testkit.fixture.LockSessions;
import io.lockwarden.testkit.fixture.PostgresServer;
import io.lockwarden.watch.Policy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A session that begins writing, or ends, between the sample and the action is never ended. */
class RecheckAtActionTest {
    @TempDir
    Path dir;

    /** A session sampled while it held {@code key} and had been idle for a second. */
    private record Sampled(Connection leaker, int pid, Snapshot snapshot, List<HoldTracker.TrackedHold> tracked) {
    }

    private static Sampled sampleIdleHolder(LockSessions sessions, Connection watcher, String app, int key)
            throws Exception {
        Connection leaker = sessions.open(app);
        int pid = LockSessions.pid(leaker);
        LockSessions.exec(leaker, "SELECT pg_advisory_lock(" + key + ")");
        Inspector inspector = Inspector.builder().statements(false).build();
        Snapshot[] s = new Snapshot[1];
        io.lockwarden.watch.TargetsProbe.await("pid " + pid + " idle for 1 s", 30, () -> {
            s[0] = inspector.snapshot(watcher);
            return s[0].session(pid).flatMap(si -> si.inStateFor(s[0].takenAt()))
                    .map(d -> d.compareTo(Duration.ofSeconds(1)) >= 0).orElse(false);
        });
        assertThat(s[0].terminationVerdict(pid).safe()).as("safe at sample time").isTrue();
        return new Sampled(leaker, pid, s[0], new HoldTracker().update(s[0]));
    }

    private static List<Enforcer.Decision> act(AuditLog audit, Connection watcher, Sampled x) {
        Enforcer enforcer = new Enforcer("app", audit, Clock.systemUTC(), "r1");
        Policy policy = new Policy(Policy.Mode.ENFORCE, Duration.ofSeconds(1), null, null, 5);
        return enforcer.enforce(watcher, policy, x.snapshot(), List.of(), x.tracked(), () -> true, -1);
    }

    @Test
    void neverEndsASessionThatBeganWritingBetweenSampleAndAction() throws Exception {
        PostgresServer server = PostgresServer.shared();
        try (LockSessions sessions = new LockSessions(server); Connection watcher = server.connect();
             AuditLog audit = new AuditLog(dir.resolve("audit.jsonl"))) {
            Sampled x = sampleIdleHolder(sessions, watcher, "late-writer", 6000);

            // between the sample and the action the session opens a transaction and writes
            x.leaker().setAutoCommit(false);
            LockSessions.exec(x.leaker(), "CREATE TEMP TABLE late(x int)");
            LockSessions.exec(x.leaker(), "INSERT INTO late VALUES (1)");

            assertThat(act(audit, watcher, x)).containsExactly(new Enforcer.Decision("terminate", "recheck-failed"));
            assertThat(sessions.alive(x.pid())).isTrue();
            assertThat(sessions.heldInPgLocks(x.pid())).isEqualTo(1);
            List<String> lines = Files.readAllLines(dir.resolve("audit.jsonl"));
            assertThat(lines).hasSize(2);
            assertThat(new ObjectMapper().readTree(lines.get(0)).path("outcome").asText()).isEqualTo("attempting");
            JsonNode line = new ObjectMapper().readTree(lines.get(1));
            assertThat(line.path("outcome").asText()).isEqualTo("recheck-failed");
            assertThat(line.path("reason").asText()).contains("began writing");
            x.leaker().rollback();
        }
    }

    @Test
    void neverActsOnASessionThatEndedBetweenSampleAndAction() throws Exception {
        PostgresServer server = PostgresServer.shared();
        try (LockSessions sessions = new LockSessions(server); Connection watcher = server.connect();
             AuditLog audit = new AuditLog(dir.resolve("audit.jsonl"))) {
            Sampled x = sampleIdleHolder(sessions, watcher, "gone", 6001);
            x.leaker().close();
            io.lockwarden.watch.TargetsProbe.await("pid " + x.pid() + " gone", 30, () -> {
                try {
                    return !sessions.alive(x.pid());
                } catch (java.sql.SQLException e) {
                    return false;
                }
            });
            assertThat(act(audit, watcher, x)).containsExactly(new Enforcer.Decision("terminate", "recheck-failed"));
            assertThat(Files.readString(dir.resolve("audit.jsonl"))).contains("\"pid\":" + x.pid())
                    .contains("ended before termination").doesNotContain("\"terminated\"");
        }
    }
}
