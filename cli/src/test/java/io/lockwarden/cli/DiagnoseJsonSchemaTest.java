package io.lockwarden.cli;

import static io.lockwarden.testkit.fixture.LockSessions.exec;
import static io.lockwarden.testkit.fixture.LockSessions.pid;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import io.lockwarden.LockKey;
import io.lockwarden.testkit.fixture.PgBouncer;
import io.lockwarden.testkit.fixture.LockSessions;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The JSON output validates against the published schema, docs/diagnose-json.schema.json, in every scenario. */
class DiagnoseJsonSchemaTest {

    private static JsonSchema schema() throws Exception {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("docs/diagnose-json.schema.json"))) {
            dir = dir.getParent();
        }
        assertThat(dir).as("docs/diagnose-json.schema.json above " + Path.of("").toAbsolutePath()).isNotNull();
        try (InputStream in = Files.newInputStream(dir.resolve("docs/diagnose-json.schema.json"))) {
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(in);
        }
    }

    static JsonNode validated(CliRun r) throws Exception {
        JsonNode doc = new ObjectMapper().readTree(r.out());
        assertThat(schema().validate(doc)).as(r.out()).isEmpty();
        return doc;
    }

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {14, 18})
    void cleanServerAndEveryKindOfFindingMatchTheSchema(int version) throws Exception {
        PostgresServer server = PostgresServer.shared(version);
        CliRun clean = CliRun.run(CliRun.env(server), "diagnose", "--url", server.jdbcUrl(), "--format", "json");
        assertThat(clean.exit()).isZero();
        JsonNode cleanDoc = validated(clean);
        assertThat(cleanDoc.at("/summary/has_problems").asBoolean()).isFalse();
        com.fasterxml.jackson.databind.node.ObjectNode broken = cleanDoc.deepCopy();
        broken.put("format_version", 2);
        broken.remove("locks");
        assertThat(schema().validate(broken)).as("the schema rejects what it should").hasSize(2);

        LockKey named = LockKey.named("orders", "order-1");
        try (LockSessions s = new LockSessions(server);
             PgBouncer bouncer = PgBouncer.builder(server).poolSize(1).start()) {
            Connection idle = s.open("schema-idle");
            exec(idle, "SELECT pg_advisory_lock(7001), pg_advisory_lock(" + named.sqlArguments() + ")");
            Connection tx = s.open("schema-tx");
            exec(tx, "CREATE TABLE IF NOT EXISTS schema_writes (id int)");
            tx.setAutoCommit(false);
            exec(tx, "SELECT pg_advisory_xact_lock(7002)");
            exec(tx, "INSERT INTO schema_writes VALUES (1)");
            Connection waiter = s.open("schema-waiter");
            int waiterPid = pid(waiter);
            Thread t = new Thread(() -> {
                try {
                    exec(waiter, "SELECT pg_advisory_lock_shared(7001)");
                } catch (Exception ignored) {
                    // terminated at the end of the test
                }
            });
            t.setDaemon(true);
            t.start();
            while (s.locksInPgLocks(waiterPid) == 0) {
                Thread.sleep(20);
            }
            int pooled;
            try (Connection client = bouncer.connect(); Statement st = client.createStatement();
                 ResultSet rs = st.executeQuery("SELECT pg_backend_pid(), pg_advisory_lock(7003)")) {
                rs.next();
                pooled = rs.getInt(1);
            }
            try {
                CliRun r = CliRun.run(CliRun.env(server), "diagnose", "--url", server.jdbcUrl(), "--format", "json",
                        "--idle-threshold", "0s", "--namespace", "orders",
                        "--pgbouncer", "jdbc:postgresql://127.0.0.1:" + bouncer.port() + "/pgbouncer");
                assertThat(r.exit()).isEqualTo(1);
                JsonNode doc = validated(r);
                assertThat(doc.get("findings").findValuesAsText("rule")).contains("idle-session-holds-locks",
                        "idle-in-transaction-holds-locks", "waiters-blocked", "pgbouncer-lock-on-shared-connection",
                        "pgbouncer-reset-query-skipped", "lock-timeout-disabled");
                assertThat(doc.get("locks").findValuesAsText("mode")).contains("ShareLock", "ExclusiveLock");
                assertThat(doc.get("incidents").findValuesAsText("kind")).contains("idle-session-locks",
                        "idle-in-transaction", "pooled-session-locks");
                doc.get("incidents").forEach(i -> i.get("finding_indexes").forEach(ix ->
                        assertThat(ix.asInt()).isLessThan(doc.get("findings").size())));
                assertThat(doc.get("pgbouncer").isObject()).isTrue();
                // SHOW CLIENTS lists at least lockwarden's own console connection.
                assertThat(doc.get("pgbouncer").get("clients").findValuesAsText("database")).contains("pgbouncer");
            } finally {
                try (Connection su = server.connect()) {
                    exec(su, "SELECT pg_terminate_backend(" + pooled + ", 5000)");
                }
            }
        }
    }
}
