package io.lockwarden.watch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lockwarden.testkit.fixture.LockSessions;
import io.lockwarden.testkit.fixture.PgBouncer;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WatchdogLeakTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void leakShowsInMetricsAndApiAfterOneSampleAndClearsWhenFixed() throws Exception {
        PostgresServer server = PostgresServer.shared();
        TargetConfig target = Targets.of("app", server, dir).withNamespaces(List.of("billing"));
        try (LockSessions sessions = new LockSessions(server);
             Watchdog w = Watchdog.builder(WatchConfig.of(target, 0)).scheduled(false).start()) {
            w.sampleNow();
            String before = Targets.get(w, "/metrics").body();
            assertThat(Targets.metric(before, "lockwarden_target_up{target=\"app\"}")).isEqualTo(1.0);
            assertThat(Targets.metric(before, "lockwarden_idle_holders{target=\"app\"}")).isZero();

            Connection leaker = sessions.open("checkout-worker");
            int pid = LockSessions.pid(leaker);
            LockSessions.exec(leaker, "SELECT pg_advisory_lock(hashtext('billing')::int4, 42)");
            Connection waiter = sessions.open("checkout-waiter");
            sessions.blockOn(waiter, "SELECT pg_advisory_lock(hashtext('billing')::int4, 42)");
            w.sampleNow();

            String m = Targets.get(w, "/metrics").body();
            assertThat(Targets.metric(m, "lockwarden_idle_holders{target=\"app\"}")).isEqualTo(1.0);
            assertThat(Targets.metric(m, "lockwarden_blocked_sessions{target=\"app\"}")).isEqualTo(1.0);
            assertThat(Targets.metric(m, "lockwarden_sessions_holding{target=\"app\"}")).isEqualTo(1.0);
            assertThat(m).contains("lockwarden_advisory_locks{mode=\"exclusive\",namespace=\"none\",scope=\"session\","
                    + "state=\"held\",target=\"app\"} 1");
            assertThat(m).contains("lockwarden_findings{rule=\"idle-session-holds-locks\"");
            assertThat(m).doesNotContain(String.valueOf(pid) + "\"").doesNotContain(server.password());
            assertThat(Targets.metric(m, "lockwarden_oldest_wait_seconds{target=\"app\"}")).isGreaterThanOrEqualTo(0);
            assertThat(Targets.metric(m, "lockwarden_lock_table_usage_ratio{target=\"app\"}")).isBetween(0.0, 1.0);

            JsonNode snapshot = JSON.readTree(Targets.get(w, "/api/snapshot?target=app").body());
            assertThat(snapshot.path("format_version").asInt()).isEqualTo(1);
            try (java.io.InputStream in = java.nio.file.Files.newInputStream(
                    Path.of("..", "docs", "diagnose-json.schema.json"))) {
                assertThat(com.networknt.schema.JsonSchemaFactory.getInstance(
                        com.networknt.schema.SpecVersion.VersionFlag.V7).getSchema(in).validate(snapshot))
                        .as("/api/snapshot is the diagnose JSON document").isEmpty();
            }
            assertThat(snapshot.toString()).contains("\"pid\":" + pid).doesNotContain(server.password());
            JsonNode holders = JSON.readTree(Targets.get(w, "/api/holders?target=app").body());
            assertThat(holders).hasSize(1);
            assertThat(holders.get(0).path("pid").asInt()).isEqualTo(pid);
            assertThat(holders.get(0).path("scope").asText()).isEqualTo("session");
            assertThat(holders.get(0).path("waiters").asInt()).isEqualTo(1);
            JsonNode targets = JSON.readTree(Targets.get(w, "/api/targets").body());
            assertThat(targets.get(0).path("health").asText()).isEqualTo("up");
            assertThat(targets.get(0).path("incidents").toString()).contains("idle-session-holds-locks")
                    .contains("pg_terminate_backend");

            LockSessions.exec(leaker, "SELECT pg_advisory_unlock_all()");
            Targets.await("the waiter to get and release the lock", 30, () -> {
                try {
                    return sessions.heldInPgLocks(LockSessions.pid(waiter)) == 1;
                } catch (Exception e) {
                    return false;
                }
            });
            LockSessions.exec(waiter, "SELECT pg_advisory_unlock_all()");
            w.sampleNow();
            String after = Targets.get(w, "/metrics").body();
            assertThat(Targets.metric(after, "lockwarden_idle_holders{target=\"app\"}")).isZero();
            assertThat(Targets.metric(after, "lockwarden_blocked_sessions{target=\"app\"}")).isZero();
            assertThat(after).doesNotContain("rule=\"idle-session-holds-locks\"");
            JsonNode history = JSON.readTree(Targets.get(w, "/api/history?target=app").body());
            assertThat(history.path("held").toString()).isEqualTo("[0,1,0]");
            assertThat(history.path("waiting").toString()).isEqualTo("[0,1,0]");
        }
    }

    @Test
    void countsLocksLeftOnTransactionPooledConnections() throws Exception {
        PostgresServer server = PostgresServer.shared();
        try (PgBouncer bouncer = PgBouncer.builder(server).poolMode(PgBouncer.PoolMode.TRANSACTION).start()) {
            TargetConfig target = Targets.of("pooled", server, dir).withPgBouncer(new TargetConfig.Console(
                    "jdbc:postgresql://127.0.0.1:" + bouncer.port() + "/pgbouncer", null, null));
            try (Watchdog w = Watchdog.builder(WatchConfig.of(target, 0)).scheduled(false).start();
                 Connection client = bouncer.connect()) {
                LockSessions.exec(client, "SELECT pg_advisory_lock(777)");
                w.sampleNow();
                String m = Targets.get(w, "/metrics").body();
                assertThat(Targets.metric(m, "lockwarden_pooled_connection_locks{target=\"pooled\"}")).isEqualTo(1.0);
                assertThat(Targets.metric(m, "lockwarden_sample_errors_total{stage=\"pgbouncer\",target=\"pooled\"}"))
                        .isZero();
                LockSessions.exec(client, "SELECT pg_advisory_unlock(777)");
                w.sampleNow();
                assertThat(Targets.metric(Targets.get(w, "/metrics").body(),
                        "lockwarden_pooled_connection_locks{target=\"pooled\"}")).isZero();

                bouncer.close();
                w.sampleNow();
                String down = Targets.get(w, "/metrics").body();
                assertThat(Targets.metric(down, "lockwarden_target_up{target=\"pooled\"}"))
                        .as("PostgreSQL is still sampled without the console").isEqualTo(1.0);
                assertThat(Targets.metric(down, "lockwarden_sample_errors_total{stage=\"pgbouncer\",target=\"pooled\"}"))
                        .isEqualTo(1.0);
            }
        }
    }

    @Test
    void anIdleHolderSeenForTheFirstTimeIsAsOldAsItsIdleTime() throws Exception {
        PostgresServer server = PostgresServer.shared();
        try (LockSessions sessions = new LockSessions(server)) {
            Connection leaker = sessions.open("old-leaker");
            int pid = LockSessions.pid(leaker);
            LockSessions.exec(leaker, "SELECT pg_advisory_lock(555)");
            Targets.await("the holder idle for 2 s", 30, () -> {
                try (Connection probe = server.connect();
                     var st = probe.createStatement();
                     var rs = st.executeQuery("SELECT now() - state_change >= interval '2 s' FROM pg_stat_activity "
                             + "WHERE pid = " + pid)) {
                    return rs.next() && rs.getBoolean(1);
                } catch (Exception e) {
                    return false;
                }
            });
            // a watchdog (re)started now: the hold is at least the idle time, not zero
            try (Watchdog w = Watchdog.builder(WatchConfig.of(Targets.of("app", server, dir), 0)).scheduled(false)
                    .start()) {
                w.sampleNow();
                String m = Targets.get(w, "/metrics").body();
                assertThat(Targets.metric(m, "lockwarden_oldest_hold_seconds{target=\"app\"}")).isGreaterThanOrEqualTo(2);
                assertThat(Targets.metric(m, "lockwarden_oldest_idle_hold_seconds{target=\"app\"}"))
                        .isGreaterThanOrEqualTo(2);
                JsonNode holders = JSON.readTree(Targets.get(w, "/api/holders?target=app").body());
                assertThat(holders.get(0).path("hold_seconds").asLong()).isGreaterThanOrEqualTo(2);
            }
        }
    }

    @Test
    void aDownTargetIsReportedDownRetriedAndResumesAfterARestartWithoutStoppingTheOthers() throws Exception {
        try (PostgresServer own = PostgresServer.builder().start()) {
            PostgresServer shared = PostgresServer.shared();
            WatchConfig config = new WatchConfig(Duration.ofMillis(300), 2, null, 0, null, null, null,
                    List.of(Targets.of("restarting", own, dir), Targets.of("steady", shared, dir)));
            try (Watchdog w = Watchdog.start(config)) {
                Targets.await("both targets up", 60, () -> w.up("restarting") && w.up("steady"));
                own.stop();
                Targets.await("the stopped target reported down", 60, () -> !w.up("restarting"));
                String m = Targets.get(w, "/metrics").body();
                assertThat(Targets.metric(m, "lockwarden_target_up{target=\"restarting\"}")).isZero();
                assertThat(Targets.metric(m, "lockwarden_target_up{target=\"steady\"}")).isEqualTo(1.0);
                assertThat(Targets.get(w, "/api/targets").body()).contains("\"health\":\"down\"")
                        .doesNotContain(own.password());
                own.startAgain();
                Targets.await("the restarted target up again", 90, () -> w.up("restarting"));
                assertThat(w.up("steady")).isTrue();
            }
        }
    }

    @Test
    void healthAndReadinessEndpointsAndUnknownTargets() throws Exception {
        PostgresServer server = PostgresServer.shared();
        try (Watchdog w = Watchdog.builder(WatchConfig.of(Targets.of("app", server, dir), 0)).scheduled(false).start()) {
            assertThat(Targets.get(w, "/healthz").statusCode()).isEqualTo(200);
            assertThat(Targets.get(w, "/readyz").statusCode()).isEqualTo(503);
            w.sampleNow();
            assertThat(Targets.get(w, "/readyz").statusCode()).isEqualTo(200);
            assertThat(Targets.get(w, "/api/snapshot?target=nope").statusCode()).isEqualTo(404);
            assertThat(Targets.get(w, "/").body()).contains("uPlot.iife.min.js");
            assertThat(Targets.get(w, "/vendor/uplot/uPlot.iife.min.js").statusCode()).isEqualTo(200);
        }
    }
}
