package io.lockwarden.watch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lockwarden.testkit.fixture.LockSessions;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnforcementTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** The audit log's lines, each validated against docs/watch-audit.schema.json. */
    private List<JsonNode> audit(Path file) throws Exception {
        com.networknt.schema.JsonSchema schema;
        try (java.io.InputStream in = Files.newInputStream(Path.of("..", "docs", "watch-audit.schema.json"))) {
            schema = com.networknt.schema.JsonSchemaFactory.getInstance(com.networknt.schema.SpecVersion.VersionFlag.V7)
                    .getSchema(in);
        }
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            JsonNode n = JSON.readTree(line);
            assertThat(schema.validate(n)).as(line).isEmpty();
            out.add(n);
        }
        return out;
    }

    /** Waits until the session is idle (or idle in transaction) for the given time; reads its pid from the sessions' bookkeeping, not by a query. */
    private static void awaitIdle(LockSessions sessions, int pid, int seconds) throws Exception {
        Targets.await("pid " + pid + " idle for " + seconds + " s", 30, () -> {
            try (Connection probe = PostgresServer.shared().connect();
                 var st = probe.prepareStatement("SELECT now() - state_change >= make_interval(secs => ?) "
                         + "FROM pg_stat_activity WHERE pid = ? AND state IN ('idle', 'idle in transaction')")) {
                st.setInt(1, seconds);
                st.setInt(2, pid);
                try (var rs = st.executeQuery()) {
                    return rs.next() && rs.getBoolean(1);
                }
            } catch (Exception e) {
                return false;
            }
        });
    }

    @Test
    void endsExactlyTheEligibleIdleHoldersSkipsTheUnsafeAndRespectsPatternsAndTheCap() throws Exception {
        PostgresServer server = PostgresServer.shared();
        Path log = dir.resolve("audit.jsonl");
        Policy policy = new Policy(Policy.Mode.ENFORCE, Duration.ofSeconds(1),
                new Policy.Match(Pattern.compile("leaky-.*"), null, null),
                new Policy.Match(Pattern.compile("leaky-protected"), null, null), 2);
        TargetConfig target = Targets.of("app", server, dir).withPolicy(policy);
        WatchConfig config = new WatchConfig(Duration.ofSeconds(10), 2, null, 0, null, log, null, List.of(target));
        try (LockSessions sessions = new LockSessions(server);
             Watchdog w = Watchdog.builder(config).scheduled(false).start()) {
            List<Connection> leakers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Connection c = sessions.open("leaky-" + i);
                LockSessions.exec(c, "SELECT pg_advisory_lock(1000 + " + i + ")");
                leakers.add(c);
            }
            Connection writer = sessions.open("leaky-writer");
            LockSessions.exec(writer, "SELECT pg_advisory_lock(2000)");
            writer.setAutoCommit(false);
            LockSessions.exec(writer, "CREATE TEMP TABLE t(x int)");
            Connection protectedOne = sessions.open("leaky-protected");
            LockSessions.exec(protectedOne, "SELECT pg_advisory_lock(3000)");
            Connection other = sessions.open("reporting");
            LockSessions.exec(other, "SELECT pg_advisory_lock(4000)");
            int[] pids = new int[3];
            for (int i = 0; i < 3; i++) {
                pids[i] = LockSessions.pid(leakers.get(i));
            }
            int otherPid = LockSessions.pid(other);
            int protectedPid = LockSessions.pid(protectedOne);
            int writerPid = LockSessions.pid(writer);
            for (int pid : pids) {
                awaitIdle(sessions, pid, 1);
            }
            awaitIdle(sessions, writerPid, 1);
            awaitIdle(sessions, protectedPid, 1);
            awaitIdle(sessions, otherPid, 1);

            w.sampleNow();
            List<JsonNode> entries = audit(log);
            long terminated = entries.stream().filter(e -> e.path("outcome").asText().equals("terminated")).count();
            assertThat(terminated).as("cap of 2 per minute").isEqualTo(2);
            assertThat(entries).anySatisfy(e -> {
                assertThat(e.path("outcome").asText()).isEqualTo("cap");
                assertThat(e.path("application_name").asText()).startsWith("leaky-");
            });
            int ended = 0;
            for (int pid : pids) {
                if (!sessions.alive(pid)) {
                    ended++;
                    assertThat(sessions.heldInPgLocks(pid)).isZero();
                }
            }
            assertThat(ended).isEqualTo(2);
            // never a session outside the patterns, nor the idle-in-transaction writer (not idle)
            assertThat(sessions.alive(otherPid)).isTrue();
            assertThat(sessions.alive(protectedPid)).isTrue();
            assertThat(sessions.alive(writerPid)).isTrue();
            assertThat(entries).anySatisfy(e -> {
                assertThat(e.path("pid").asInt()).isEqualTo(writerPid);
                assertThat(e.path("decision").asText()).isEqualTo("skip");
                assertThat(e.path("outcome").asText()).isEqualTo("unsafe");
                assertThat(e.path("reason").asText()).contains("idle in an open transaction with uncommitted writes");
            });
            JsonNode first = entries.stream().filter(e -> e.path("outcome").asText().equals("terminated")).findFirst()
                    .orElseThrow();
            assertThat(first.path("target").asText()).isEqualTo("app");
            assertThat(first.path("user").asText()).isEqualTo("postgres");
            assertThat(first.path("keys").size()).isEqualTo(1);
            assertThat(first.path("incident").toString()).contains("idle-session-holds-locks");
            assertThat(first.path("idle_seconds").asLong()).isGreaterThanOrEqualTo(1);
            assertThat(Files.readString(log)).doesNotContain(server.password());

            w.sampleNow();
            assertThat(audit(log)).as("an unchanged cap skip is not written again").hasSize(entries.size());
            String m = Targets.get(w, "/metrics").body();
            assertThat(Targets.metric(m, "lockwarden_terminations_total{decision=\"terminate\",outcome=\"terminated\","
                    + "target=\"app\"}")).isEqualTo(2.0);
            assertThat(Targets.metric(m, "lockwarden_leader{target=\"app\"}")).isEqualTo(1.0);
            writer.rollback();
        }
    }

    @Test
    void dryRunAuditsWhatItWouldDoAndTerminatesNothing() throws Exception {
        PostgresServer server = PostgresServer.shared();
        Path log = dir.resolve("audit.jsonl");
        Policy policy = new Policy(Policy.Mode.DRY_RUN, Duration.ofSeconds(1), null, null, 5);
        TargetConfig target = Targets.of("app", server, dir).withPolicy(policy);
        WatchConfig config = new WatchConfig(Duration.ofSeconds(10), 2, null, 0, null, log, null, List.of(target));
        try (LockSessions sessions = new LockSessions(server);
             Watchdog w = Watchdog.builder(config).scheduled(false).start()) {
            Connection c = sessions.open("dry-leaker");
            int pid = LockSessions.pid(c);
            LockSessions.exec(c, "SELECT pg_advisory_lock(5000)");
            awaitIdle(sessions, pid, 1);
            w.sampleNow();
            assertThat(sessions.alive(pid)).isTrue();
            assertThat(sessions.heldInPgLocks(pid)).isEqualTo(1);
            assertThat(audit(log)).anySatisfy(e -> {
                assertThat(e.path("decision").asText()).isEqualTo("dry-run");
                assertThat(e.path("pid").asInt()).isEqualTo(pid);
            });
        }
    }

    @Test
    void underTheCapTheBlockersThatFreeTheMostWaitersAreEndedFirstAndTheAuditLogSaysWhy() throws Exception {
        PostgresServer server = PostgresServer.shared();
        Path log = dir.resolve("audit.jsonl");
        Policy policy = new Policy(Policy.Mode.ENFORCE, Duration.ofSeconds(1),
                new Policy.Match(Pattern.compile("order-leak-.*"), null, null), null, 2);
        TargetConfig target = Targets.of("app", server, dir).withPolicy(policy);
        WatchConfig config = new WatchConfig(Duration.ofSeconds(10), 2, null, 0, null, log, null, List.of(target));
        try (LockSessions sessions = new LockSessions(server);
             Watchdog w = Watchdog.builder(config).scheduled(false).start()) {
            // four leaks that block nobody, idle the longest: the order an idle-first or pid-first policy would pick
            List<Integer> plain = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Connection c = sessions.open("order-leak-plain-" + i);
                LockSessions.exec(c, "SELECT pg_advisory_lock(4100 + " + i + ")");
                plain.add(LockSessions.pid(c));
            }
            for (int pid : plain) {
                awaitIdle(sessions, pid, 1);
            }
            // two leaks with sessions waiting behind them: two behind the first, one behind the second
            Connection big = sessions.open("order-leak-blocker-big");
            LockSessions.exec(big, "SELECT pg_advisory_lock(4200)");
            Connection small = sessions.open("order-leak-blocker-small");
            LockSessions.exec(small, "SELECT pg_advisory_lock(4201)");
            int bigPid = LockSessions.pid(big);
            int smallPid = LockSessions.pid(small);
            List<Integer> waiters = new ArrayList<>();
            for (String sql : List.of("SELECT pg_advisory_lock(4200)", "SELECT pg_advisory_lock(4200)",
                    "SELECT pg_advisory_lock(4201)")) {
                Connection waiter = sessions.open("order-waiter");
                waiters.add(LockSessions.pid(waiter));
                sessions.blockOn(waiter, sql);
            }
            awaitIdle(sessions, bigPid, 1);
            awaitIdle(sessions, smallPid, 1);

            w.sampleNow();
            List<JsonNode> entries = audit(log);
            List<JsonNode> ended = entries.stream().filter(e -> e.path("outcome").asText().equals("terminated"))
                    .toList();
            assertThat(ended).extracting(e -> e.path("pid").asInt()).containsExactly(bigPid, smallPid);
            assertThat(ended.get(0).path("order").asInt()).isEqualTo(1);
            assertThat(ended.get(0).path("waiters").asInt()).isEqualTo(2);
            assertThat(ended.get(0).path("reason").asText()).contains("order 1 of 6 (blockers first): 2 sessions wait");
            assertThat(ended.get(1).path("order").asInt()).isEqualTo(2);
            assertThat(ended.get(1).path("waiters").asInt()).isEqualTo(1);
            assertThat(entries.stream().filter(e -> e.path("outcome").asText().equals("cap")))
                    .extracting(e -> e.path("pid").asInt()).containsExactlyInAnyOrderElementsOf(plain)
                    .hasSize(4);
            assertThat(entries.stream().filter(e -> e.path("outcome").asText().equals("cap")))
                    .allSatisfy(e -> assertThat(e.path("order").asInt()).isBetween(3, 6));
            // pg_locks: the blockers are gone, every waiter now holds its lock, the plain leaks still hold theirs
            assertThat(sessions.alive(bigPid)).isFalse();
            assertThat(sessions.alive(smallPid)).isFalse();
            Targets.await("the three waiters hold their locks", 30, () -> {
                try {
                    int held = 0;
                    for (int pid : waiters) {
                        held += sessions.heldInPgLocks(pid);
                    }
                    return held >= 2; // the two behind 4200 queue: one holds it, then the other after it ends
                } catch (Exception e) {
                    return false;
                }
            });
            for (int pid : plain) {
                assertThat(sessions.heldInPgLocks(pid)).isEqualTo(1);
            }
        }
    }
}
