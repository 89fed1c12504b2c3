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

/** A session that begins writing (or is replaced) between the sample and the action is never ended. */
class RecheckAtActionTest {
    @TempDir
    Path dir;

    @Test
    void neverEndsASessionThatBeganWritingBetweenSampleAndAction() throws Exception {
        PostgresServer server = PostgresServer.shared();
        try (LockSessions sessions = new LockSessions(server); Connection watcher = server.connect();
             AuditLog audit = new AuditLog(dir.resolve("audit.jsonl"))) {
            Connection leaker = sessions.open("late-writer");
            int pid = LockSessions.pid(leaker);
            LockSessions.exec(leaker, "SELECT pg_advisory_lock(6000)");
            Thread.sleep(1100);
            Snapshot s = Inspector.builder().statements(false).build().snapshot(watcher);
            List<HoldTracker.TrackedHold> tracked = new HoldTracker().update(s);
            assertThat(s.terminationVerdict(pid).safe()).as("safe at sample time").isTrue();

            // between the sample and the action the session opens a transaction and writes
            leaker.setAutoCommit(false);
            LockSessions.exec(leaker, "CREATE TEMP TABLE late(x int)");
            LockSessions.exec(leaker, "INSERT INTO late VALUES (1)");

            Enforcer enforcer = new Enforcer("app", audit, new RecheckingTerminator(), Clock.systemUTC(), "r1");
            Policy policy = new Policy(Policy.Mode.ENFORCE, Duration.ofSeconds(1), null, null, 5);
            List<Enforcer.Decision> d = enforcer.enforce(watcher, policy, s, List.of(), tracked, () -> true, -1);

            assertThat(d).containsExactly(new Enforcer.Decision("terminate", "recheck-failed"));
            assertThat(sessions.alive(pid)).isTrue();
            assertThat(sessions.heldInPgLocks(pid)).isEqualTo(1);
            JsonNode line = new ObjectMapper().readTree(Files.readAllLines(dir.resolve("audit.jsonl")).get(0));
            assertThat(line.path("outcome").asText()).isEqualTo("recheck-failed");
            assertThat(line.path("reason").asText()).contains("began writing");
            leaker.rollback();
        }
    }

    @Test
    void neverEndsANewSessionThatReusedThePid() throws Exception {
        PostgresServer server = PostgresServer.shared();
        try (LockSessions sessions = new LockSessions(server); Connection watcher = server.connect();
             AuditLog audit = new AuditLog(dir.resolve("audit.jsonl"))) {
            Connection leaker = sessions.open("gone");
            int pid = LockSessions.pid(leaker);
            LockSessions.exec(leaker, "SELECT pg_advisory_lock(6001)");
            Thread.sleep(1100);
            Snapshot s = Inspector.builder().statements(false).build().snapshot(watcher);
            List<HoldTracker.TrackedHold> tracked = new HoldTracker().update(s);
            leaker.close();
            Enforcer enforcer = new Enforcer("app", audit, new RecheckingTerminator(), Clock.systemUTC(), "r1");
            Policy policy = new Policy(Policy.Mode.ENFORCE, Duration.ofSeconds(1), null, null, 5);
            List<Enforcer.Decision> d = enforcer.enforce(watcher, policy, s, List.of(), tracked, () -> true, -1);
            assertThat(d).containsExactly(new Enforcer.Decision("terminate", "recheck-failed"));
            assertThat(Files.readString(dir.resolve("audit.jsonl"))).contains("\"pid\":" + pid).contains("ended before the action").doesNotContain("\"terminated\"");
        }
    }
}
