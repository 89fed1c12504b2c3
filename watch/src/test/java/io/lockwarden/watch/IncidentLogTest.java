package io.lockwarden.watch;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockwarden.testkit.fixture.LockSessions;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The watchdog's log over an incident's life: one line when it appears, one when it changes, one when it clears. */
class IncidentLogTest {
    @TempDir
    Path dir;

    @Test
    void anIncidentOfFiveLeakedSessionsLogsOneLineWhenItAppearsOneWhenWaitersArriveAndOneWhenItClears()
            throws Exception {
        PostgresServer server = PostgresServer.shared();
        TargetConfig target = Targets.of("app", server, dir).withAlertThresholds(Duration.ofSeconds(1), null);
        WatchConfig config = new WatchConfig(Duration.ofSeconds(10), 2, null, 0, null, null, null, List.of(target));
        PrintStream old = System.err;
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        try (LockSessions sessions = new LockSessions(server);
             Watchdog w = Watchdog.builder(config).scheduled(false).serving(false).start()) {
            List<Connection> leakers = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                Connection c = sessions.open("log-leaker-" + i);
                LockSessions.exec(c, "SELECT pg_advisory_lock(6100 + " + i + "), pg_advisory_lock(6200 + " + i + ")");
                leakers.add(c);
            }
            Thread.sleep(1500); // idle past the 1 s threshold
            for (int i = 0; i < 3; i++) {
                w.sampleNow();
            }
            assertThat(incidentLines(log)).as(log.toString(StandardCharsets.UTF_8)).hasSize(1)
                    .allSatisfy(l -> assertThat(l).contains("WARN").contains("incident idle-session-locks (")
                            .contains("fix: "));

            // a waiter arrives (a transaction-level lock in autocommit: it ends as soon as it is granted)
            sessions.blockOn(sessions.open("log-waiter"), "SELECT pg_advisory_xact_lock(6100)");
            w.sampleNow();
            w.sampleNow();
            assertThat(incidentLines(log)).as(log.toString(StandardCharsets.UTF_8)).hasSize(2);
            assertThat(incidentLines(log).get(1)).contains("incident idle-session-locks changed (");

            for (Connection c : leakers) {
                c.close();
            }
            w.sampleNow();
            w.sampleNow();
            List<String> lines = incidentLines(log);
            assertThat(lines).as(log.toString(StandardCharsets.UTF_8)).hasSize(3);
            assertThat(lines.get(2)).contains("INFO").contains("incident idle-session-locks cleared after");
            assertThat(lines).allSatisfy(l -> assertThat(l.length()).as(l).isLessThan(400));
            old.println(String.join("\n", lines));
        } finally {
            System.setErr(old);
        }
    }

    private static List<String> incidentLines(ByteArrayOutputStream log) {
        return log.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("target app: incident")).toList();
    }

    @Test
    void aTargetThatStaysDownIsWarnedOnceNotAtEveryRetry() throws Exception {
        TargetConfig down = TargetConfig.of("gone", "jdbc:postgresql://127.0.0.1:1/x", "nobody",
                new TargetConfig.Secret(null, null, "not-a-secret"));
        WatchConfig config = new WatchConfig(Duration.ofMillis(100), 2, null, 0, null, null, null, List.of(down));
        PrintStream old = System.err;
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        try (Watchdog w = Watchdog.builder(config).serving(false).start()) {
            Thread.sleep(2000); // tries at 0, ~0.15, ~0.35, ~0.75, ~1.55 s (back-off)
        } finally {
            System.setErr(old);
        }
        assertThat(log.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("target gone: connect failed")))
                .as(log.toString(StandardCharsets.UTF_8)).hasSize(1);
    }
}
