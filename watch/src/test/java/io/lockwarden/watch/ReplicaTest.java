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

/** Two replicas with enforcement on: only the leader lock holder enforces; killing its leader backend moves it. */
class ReplicaTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private WatchConfig config(PostgresServer server, String replica, Duration interval) {
        Policy policy = new Policy(Policy.Mode.ENFORCE, Duration.ofSeconds(1),
                new Policy.Match(Pattern.compile("replica-leak-.*"), null, null), null, 100);
        TargetConfig t = Targets.of("app", server, dir).withPolicy(policy);
        return new WatchConfig(interval, 2, null, 0, null, dir.resolve(replica + ".jsonl"),
                Duration.ofMillis(500), List.of(t));
    }

    private List<JsonNode> terminated(Path log) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        if (!Files.exists(log)) {
            return out;
        }
        for (String line : Files.readAllLines(log)) {
            JsonNode n = JSON.readTree(line);
            if (n.path("outcome").asText().equals("terminated")) {
                out.add(n);
            }
        }
        return out;
    }

    @Test
    void onlyTheLeaderEndsLeaksAndAfterItsLeaderBackendIsKilledTheOtherTakesOverNeverBoth() throws Exception {
        PostgresServer server = PostgresServer.shared();
        // Replica a starts first and samples every 1.5 s, b every 300 ms. Both retry the leader lock only when
        // they sample, so after a's leader backend is killed b almost always tries first: with equal intervals
        // the two sample in step and the same one can win the race round after round (seen once in four
        // fresh-clone CI runs). The loop below still kills again if a wins anyway.
        try (LockSessions sessions = new LockSessions(server);
             Watchdog a = Watchdog.builder(config(server, "a", Duration.ofMillis(1500))).replica("a").start()) {
            Targets.await("replica a leads", 60, () -> a.leads("app"));
            try (Watchdog b = Watchdog.builder(config(server, "b", Duration.ofMillis(300))).replica("b").start()) {
                takeOver(server, sessions, a, b);
            }
        }
    }

    /** {@code first} leads; {@code second} must take over once first's leader backend is killed, never both. */
    private void takeOver(PostgresServer server, LockSessions sessions, Watchdog first, Watchdog second)
            throws Exception {
        assertThat(second.leads("app")).isFalse();

        int leak1 = leak(sessions, "replica-leak-1", 7001);
        Targets.await("leak 1 ended and audited", 60,
                () -> dead(sessions, leak1) && audited(leak1, first, second));

        // kill the leader's backend; the first replica may still win the race to take the lock again, so
        // kill again until the other one holds it (each round is a real loss and a real takeover)
        for (int round = 0; round < 20 && !second.leads("app"); round++) {
            int killed = first.leaderPid("app");
            try (Connection c = server.connect()) {
                LockSessions.exec(c, "SELECT pg_terminate_backend(" + killed + ", 5000)");
            }
            Targets.await("a new leader backend after killing " + killed, 60,
                    () -> (first.leads("app") && first.leaderPid("app") != killed)
                            || (second.leads("app") && second.leaderPid("app") != killed));
        }
        assertThat(second.leads("app")).as("the other replica took over").isTrue();
        Targets.await("the first replica knows it lost", 60, () -> !first.leads("app"));

        int leak2 = leak(sessions, "replica-leak-2", 7002);
        Targets.await("leak 2 ended and audited", 60,
                () -> dead(sessions, leak2) && audited(leak2, first, second));

        List<JsonNode> byFirst = terminated(dir.resolve(first.replica() + ".jsonl"));
        List<JsonNode> bySecond = terminated(dir.resolve(second.replica() + ".jsonl"));
        assertThat(byFirst).extracting(n -> n.path("pid").asInt()).containsExactly(leak1);
        assertThat(bySecond).extracting(n -> n.path("pid").asInt()).containsExactly(leak2);
    }

    /** True once either replica's audit log has the outcome line of the termination of {@code pid}. */
    private boolean audited(int pid, Watchdog... replicas) {
        try {
            for (Watchdog w : replicas) {
                for (JsonNode n : terminated(dir.resolve(w.replica() + ".jsonl"))) {
                    if (n.path("pid").asInt() == pid) {
                        return true;
                    }
                }
            }
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    private static int leak(LockSessions sessions, String app, int key) throws Exception {
        Connection c = sessions.open(app);
        int pid = LockSessions.pid(c);
        LockSessions.exec(c, "SELECT pg_advisory_lock(" + key + ")");
        return pid;
    }

    private static boolean dead(LockSessions sessions, int pid) {
        try {
            return !sessions.alive(pid);
        } catch (Exception e) {
            return false;
        }
    }
}
