package io.lockwarden.cli;

import static io.lockwarden.testkit.fixture.LockSessions.exec;
import static io.lockwarden.testkit.fixture.LockSessions.pid;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lockwarden.LockKey;
import io.lockwarden.testkit.fixture.PgBouncer;
import io.lockwarden.testkit.fixture.LockSessions;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DiagnoseCommandTest {
    private static final PostgresServer SERVER = PostgresServer.shared();
    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<JsonNode> findings(JsonNode doc, String rule) {
        List<JsonNode> out = new ArrayList<>();
        doc.get("findings").forEach(f -> {
            if (f.get("rule").asText().equals(rule)) {
                out.add(f);
            }
        });
        return out;
    }

    @Test
    void serverWithoutStuckLocksExitsZero() {
        CliRun r = CliRun.run(CliRun.env(SERVER), "diagnose", "--url", SERVER.jdbcUrl());
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).contains("0 session(s) hold 0 advisory lock(s)", "nothing stuck", "lock-timeout-disabled");
        assertThat(r.out()).doesNotContain("\u001b[");
        assertThat(r.exit()).isZero();
    }

    @Test
    void idleLeakedHolderExitsOneAndTheReportShowsTheFixAndTheHolder() throws Exception {
        try (LockSessions s = new LockSessions(SERVER)) {
            Connection leaker = s.open("leaky-job");
            int pid = pid(leaker);
            exec(leaker, "SELECT pg_advisory_lock(31337)");
            assertThat(s.locksInPgLocks(pid)).isEqualTo(1);

            CliRun r = CliRun.run(CliRun.env(SERVER), "diagnose", "--url", SERVER.jdbcUrl(), "--idle-threshold", "0s");

            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.out()).contains("1. WARNING 1 idle session holds 1 session-level advisory lock",
                    "fix: lockwarden release --pid " + pid + " --url " + SERVER.jdbcUrl(), "Runbook: docs/runbook.md")
                    .containsPattern(pid + "\\s+leaky-job\\s+postgres\\s+127.0.0.1\\s+idle\\s+\\d+s\\s+1\\s+31337\\s+0\\s+yes")
                    .containsPattern("last statement took a session lock and nothing unlocked it \\(likely\\)")
                    .doesNotContain("idle-session-holds-locks", "MODE");
            assertThat(r.out().indexOf("1. WARNING")).isLessThan(r.out().indexOf("Info settings"));

            CliRun detailed = CliRun.run(CliRun.env(SERVER), "diagnose", "--url", SERVER.jdbcUrl(), "--idle-threshold",
                    "0s", "--verbose", "--all");
            assertThat(detailed.out()).contains("WARNING  idle-session-holds-locks  pid " + pid,
                    "fix: End the session: lockwarden release --pid " + pid, "terminate " + pid + ": safe", "Holders")
                    .containsPattern("31337\\s+" + pid + "\\s+leaky-job\\s+idle");
        }
    }

    @Test
    void jsonDocumentHasServerLocksSessionsAndFindingsWithVerdicts() throws Exception {
        LockKey named = LockKey.named("billing", "invoice-7");
        try (LockSessions s = new LockSessions(SERVER)) {
            Connection holder = s.open("json-holder");
            exec(holder, "SELECT pg_advisory_lock(5150), pg_advisory_lock(3, 4), pg_advisory_lock("
                    + named.sqlArguments() + ")");
            int pid = pid(holder);

            CliRun r = CliRun.run(CliRun.env(SERVER), "diagnose", "--url", SERVER.jdbcUrl(), "--format", "json",
                    "--namespace", "billing", "--idle-threshold", "0s");

            assertThat(r.exit()).isEqualTo(1);
            JsonNode doc = JSON.readTree(r.out());
            assertThat(doc.get("format_version").asInt()).isEqualTo(1);
            assertThat(doc.at("/server/version_num").asInt() / 10000).isEqualTo(SERVER.majorVersion());
            assertThat(doc.at("/server/settings/lock_timeout").asText()).isEqualTo("0");
            assertThat(doc.at("/server/settings/max_locks_per_transaction").asText()).isEqualTo("64");
            assertThat(doc.at("/server/visibility/sees_all_sessions").asBoolean()).isTrue();
            List<JsonNode> mine = new ArrayList<>();
            doc.get("locks").forEach(l -> {
                if (l.get("pid").asInt() == pid) {
                    mine.add(l);
                }
            });
            assertThat(mine).hasSize(3).allSatisfy(l -> {
                assertThat(l.get("mode").asText()).isEqualTo("ExclusiveLock");
                assertThat(l.get("granted").asBoolean()).isTrue();
                assertThat(l.get("database").asText()).isEqualTo("postgres");
            });
            assertThat(mine).anySatisfy(l -> {
                assertThat(l.at("/key/form").asText()).isEqualTo("bigint");
                assertThat(l.at("/key/bigint").asLong()).isEqualTo(5150);
                assertThat(l.at("/key/objsubid").asInt()).isEqualTo(1);
            });
            assertThat(mine).anySatisfy(l -> {
                assertThat(l.at("/key/form").asText()).isEqualTo("pair");
                assertThat(l.at("/key/key1").asInt()).isEqualTo(3);
                assertThat(l.at("/key/key2").asInt()).isEqualTo(4);
                assertThat(l.at("/key/namespace").isNull()).isTrue();
            });
            assertThat(mine).anySatisfy(l -> {
                assertThat(l.at("/key/namespace").asText()).isEqualTo("billing");
                assertThat(l.at("/key/label").asText()).isEqualTo("billing/#" + named.key2());
            });
            JsonNode session = null;
            for (JsonNode sn : doc.get("sessions")) {
                if (sn.get("pid").asInt() == pid) {
                    session = sn;
                }
            }
            assertThat(session).isNotNull();
            assertThat(session.get("state").asText()).isEqualTo("idle");
            assertThat(session.get("application_name").asText()).isEqualTo("json-holder");
            assertThat(session.get("terminate_safe").asBoolean()).isTrue();
            assertThat(session.get("backend_xid").isNull()).isTrue();

            JsonNode finding = findings(doc, "idle-session-holds-locks").stream()
                    .filter(f -> f.get("pids").get(0).asInt() == pid).findFirst().orElseThrow();
            assertThat(finding.get("severity").asText()).isEqualTo("warning");
            assertThat(finding.get("keys")).hasSize(3);
            assertThat(finding.get("message").asText()).contains("idle");
            assertThat(finding.get("fix").asText()).contains("lockwarden release --pid " + pid);
            assertThat(finding.at("/holders/0/pid").asInt()).isEqualTo(pid);
            assertThat(finding.at("/holders/0/terminate_safe").asBoolean()).isTrue();
            assertThat(finding.at("/holders/0").has("terminate_risk")).isTrue();
            assertThat(finding.at("/evidence/lock_count").asInt()).isEqualTo(3);
            assertThat(doc.get("pgbouncer").isNull()).isTrue();
        }
    }

    @Test
    void pgBouncerTransactionPoolLeakIsReportedThroughTheConsole() throws Exception {
        try (PgBouncer bouncer = PgBouncer.builder(SERVER).poolMode(PgBouncer.PoolMode.TRANSACTION).poolSize(1).start()) {
            int backend;
            try (Connection client = bouncer.connect(); Statement st = client.createStatement();
                 ResultSet rs = st.executeQuery("SELECT pg_backend_pid(), pg_advisory_lock(4711)")) {
                rs.next();
                backend = rs.getInt(1);
            }
            try {
                CliRun r = CliRun.run(CliRun.env(SERVER), "diagnose", "--url", SERVER.jdbcUrl(),
                        "--pgbouncer", "jdbc:postgresql://127.0.0.1:" + bouncer.port() + "/pgbouncer", "--format", "json");
                assertThat(r.err()).isEmpty();
                assertThat(r.exit()).isEqualTo(1);
                JsonNode doc = JSON.readTree(r.out());
                assertThat(findings(doc, "pgbouncer-lock-on-shared-connection")).singleElement().satisfies(f -> {
                    assertThat(f.get("severity").asText()).isEqualTo("error");
                    assertThat(f.at("/pids/0").asInt()).isEqualTo(backend);
                    assertThat(f.at("/keys/0/bigint").asLong()).isEqualTo(4711);
                });
                assertThat(findings(doc, "pgbouncer-reset-query-skipped")).hasSize(1);
                AtomicInteger linked = new AtomicInteger();
                doc.at("/pgbouncer/servers").forEach(sv -> {
                    if (sv.get("remote_pid").asInt() == backend) {
                        linked.incrementAndGet();
                        assertThat(sv.get("pool_mode").asText()).isEqualTo("transaction");
                    }
                });
                assertThat(linked.get()).isEqualTo(1);

                CliRun text = CliRun.run(CliRun.env(SERVER), "diagnose", "--url", SERVER.jdbcUrl(),
                        "--pgbouncer", "jdbc:postgresql://127.0.0.1:" + bouncer.port() + "/pgbouncer", "--verbose", "--all");
                assertThat(text.exit()).isEqualTo(1);
                assertThat(text.out()).contains("ERROR    pgbouncer-lock-on-shared-connection  pid " + backend,
                        "PgBouncer server connections").containsPattern("transaction\\s+\\S+\\s+" + backend + "\\s+1");
            } finally {
                try (Connection su = SERVER.connect()) {
                    exec(su, "SELECT pg_terminate_backend(" + backend + ", 5000)");
                }
            }
        }
    }

    @Test
    void passwordIsPromptedWhenTheServerAsksAndNoneIsSet() {
        Map<String, String> env = Map.of("PGUSER", PostgresServer.SUPERUSER);
        AtomicInteger prompts = new AtomicInteger();
        CliRun r = CliRun.run(env, true, "", prompt -> {
            prompts.incrementAndGet();
            assertThat(prompt).contains("Password for user postgres");
            return SERVER.password().toCharArray();
        }, "diagnose", "--url", SERVER.jdbcUrl());
        assertThat(prompts.get()).isEqualTo(1);
        assertThat(r.err()).isEmpty();
        assertThat(r.exit()).isZero();
        assertThat(r.out()).doesNotContain(SERVER.password());
    }

    @Test
    void connectionSettingsComeFromPgEnvironmentVariables() {
        Map<String, String> env = CliRun.env(SERVER);
        env.put("PGHOST", SERVER.host());
        env.put("PGPORT", String.valueOf(SERVER.port()));
        env.put("PGDATABASE", "postgres");
        CliRun r = CliRun.run(env, "diagnose");
        assertThat(r.err()).isEmpty();
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains(SERVER.host() + ":" + SERVER.port() + "/postgres as postgres");
    }

    @Test
    void readerWithoutPgMonitorIsToldWhatItCannotSee() throws Exception {
        LockSessions.createRole(SERVER, "cli_plain_reader");
        try (LockSessions s = new LockSessions(SERVER)) {
            Connection holder = s.open("hidden-job");
            exec(holder, "SELECT pg_advisory_lock(2024)");
            int pid = pid(holder);
            CliRun r = CliRun.run(Map.of("PGUSER", "cli_plain_reader", "PGPASSWORD", "pw-cli_plain_reader"),
                    "diagnose", "--url", SERVER.jdbcUrl(), "--idle-threshold", "0s", "--verbose", "--all");
            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.out()).contains("WARNING  limited-visibility  pid " + pid,
                    "GRANT pg_monitor TO cli_plain_reader").containsPattern("2024\\s+" + pid + "\\s+hidden-job\\s+\\(hidden\\)");
            assertThat(r.out()).doesNotContain("idle-session-holds-locks")
                    .containsPattern("session(s)? this role may not see holds? 1 advisory lock")
                    .doesNotContain("<role>");
        }
    }

    @Test
    void theFixCommandRepeatsTheConnectionButNeverItsPassword() throws Exception {
        assertThat(DiagnoseCommand.withoutPassword("postgresql://ops:s3cret@db:5432/app?sslmode=require"))
                .isEqualTo("postgresql://ops@db:5432/app?sslmode=require");
        assertThat(DiagnoseCommand.withoutPassword("host=db password='s 3' dbname=app")).isEqualTo("host=db dbname=app");
        assertThat(DiagnoseCommand.withoutPassword("jdbc:postgresql://db/app?password=s3cret&ssl=true"))
                .isEqualTo("jdbc:postgresql://db/app?ssl=true");
        try (LockSessions s = new LockSessions(SERVER)) {
            Connection leaker = s.open("uri-leaker");
            int pid = pid(leaker);
            exec(leaker, "SELECT pg_advisory_lock(31338)");
            String uri = "postgresql://postgres:" + SERVER.password() + "@" + SERVER.host() + ":" + SERVER.port()
                    + "/postgres";
            CliRun r = CliRun.run(Map.of(), "diagnose", "--url", uri, "--idle-threshold", "0s");
            assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(1);
            assertThat(r.out()).contains("fix: lockwarden release --pid " + pid + " --url postgresql://postgres@"
                    + SERVER.host() + ":" + SERVER.port() + "/postgres").doesNotContain(SERVER.password());
        }
    }
}
