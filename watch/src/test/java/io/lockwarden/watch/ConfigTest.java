package io.lockwarden.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigTest {
    @TempDir
    Path dir;

    private Path write(String yaml) throws Exception {
        Path f = dir.resolve("lockwarden.yml");
        Files.writeString(f, yaml);
        return f;
    }

    @Test
    void readsAFullConfiguration() throws Exception {
        WatchConfig c = WatchConfig.load(write("""
                interval: 5s
                concurrency: 8
                listen: 0.0.0.0:9999
                history: 2h
                audit_log: /var/lib/lockwarden/audit.jsonl
                targets:
                  - name: billing
                    connection: jdbc:postgresql://db1:5432/billing
                    user: lockwarden
                    password_env: BILLING_PASSWORD
                    pgbouncer:
                      connection: jdbc:postgresql://bouncer:6432/pgbouncer
                    namespaces: [billing, jobs]
                    alerts:
                      idle_holder_after: 10m
                      blocked_after: 1m
                    policy:
                      mode: enforce
                      idle_holders_older_than: 15m
                      include: {application_name: "checkout-.*"}
                      exclude: {user: "admin"}
                      max_terminations_per_minute: 3
                  - name: jobs
                    connection: jdbc:postgresql://db2:5432/jobs
                """));
        assertThat(c.interval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.bind()).isEqualTo("0.0.0.0");
        assertThat(c.port()).isEqualTo(9999);
        TargetConfig billing = c.target("billing");
        assertThat(billing.password().env()).isEqualTo("BILLING_PASSWORD");
        assertThat(billing.namespaces()).containsExactly("billing", "jobs");
        assertThat(billing.policy().mode()).isEqualTo(Policy.Mode.ENFORCE);
        assertThat(billing.policy().idleHoldersOlderThan()).isEqualTo(Duration.ofMinutes(15));
        assertThat(billing.policy().admits("checkout-1", "app", "billing")).isTrue();
        assertThat(billing.policy().admits("checkout-1", "admin", "billing")).isFalse();
        assertThat(billing.policy().admits("report", "app", "billing")).isFalse();
        assertThat(billing.idleAlertAfter()).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.target("jobs").policy().mode()).isEqualTo(Policy.Mode.OFF);
        assertThat(c.target("jobs").password()).isEqualTo(TargetConfig.Secret.PGPASS);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            password in clear   | targets:\\n  - name: a\\n    connection: jdbc:postgresql://h/db\\n    password: hunter2\\n | lockwarden.yml:4:5: a target | 'password' is not allowed
            unknown key         | targets:\\n  - name: a\\n    connection: jdbc:postgresql://h/db\\n    polcy: {}\\n            | lockwarden.yml:4:5: | unknown key 'polcy'
            bad duration        | interval: 10x\\ntargets:\\n  - name: a\\n    connection: jdbc:postgresql://h/db\\n      | lockwarden.yml:1:1: interval | '10x' is not a duration
            bad mode            | audit_log: a.jsonl\\ntargets:\\n  - name: a\\n    connection: jdbc:postgresql://h/db\\n    policy:\\n      mode: kill\\n | lockwarden.yml:6:7: | 'kill' is not a mode
            password in url     | targets:\\n  - name: a\\n    connection: jdbc:postgresql://h/db?password=x\\n   | lockwarden.yml:3:5: | carries a password
            password in uri     | targets:\\n  - name: a\\n    connection: postgresql://u:hunter2@h/db\\n   | lockwarden.yml:3:5: | carries a password
            password keyword    | targets:\\n  - name: a\\n    connection: host=h password=hunter2\\n   | lockwarden.yml:3:5: | carries a password
            pgbouncer password  | targets:\\n  - name: a\\n    connection: host=h\\n    pgbouncer:\\n      connection: postgresql://u:hunter2@h:6432/pgbouncer\\n | lockwarden.yml:5:7: | carries a password
            bad keyword string  | targets:\\n  - name: a\\n    connection: host=h nonsense\\n   | lockwarden.yml:3:5: | missing "=" after the word
            enforce w/o audit   | targets:\\n  - name: a\\n    connection: jdbc:postgresql://h/db\\n    policy: {mode: enforce}\\n | lockwarden.yml:1:1: | no audit_log is set
            duplicate names     | targets:\\n  - name: a\\n    connection: jdbc:postgresql://h/db\\n  - name: a\\n    connection: jdbc:postgresql://h/db\\n | lockwarden.yml:1:1: | used twice
            missing connection  | targets:\\n  - name: a\\n | lockwarden.yml:2:5: | missing 'connection'
            bad yaml            | targets: [\\n | lockwarden.yml: | not valid YAML
            bad regex           | targets:\\n  - name: a\\n    connection: jdbc:postgresql://h/db\\n    policy:\\n      include: {user: '('}\\n | lockwarden.yml:5:17: | not a regular expression
            """)
    void rejectsABadConfigurationWithFileLineAndFix(String name, String yaml, String where, String problem)
            throws Exception {
        Path f = write(yaml.replace("\\n", "\n"));
        String prefix = where.replace("...", "").trim();
        assertThatThrownBy(() -> WatchConfig.load(f)).isInstanceOf(ConfigException.class)
                .satisfies(e -> {
                    assertThat(e.getMessage()).contains(problem).doesNotContain("hunter2").doesNotContain("\n");
                    assertThat(e.getMessage()).contains(prefix.replace("lockwarden.yml", f.toString()));
                });
    }

    @Test
    void reloadKeepsHistoryOfTargetsThatStayAndAddsNewOnes() throws Exception {
        PostgresServer server = PostgresServer.shared();
        WatchConfig one = WatchConfig.of(Targets.of("app", server, dir), 0);
        try (Watchdog w = Watchdog.builder(one).scheduled(false).start()) {
            w.sampleNow();
            w.sampleNow();
            WatchConfig two = one.with(one.interval(), null, java.util.List.of(Targets.of("app", server, dir),
                    Targets.of("second", server, dir)));
            w.reload(two);
            w.sampleNow();
            JsonNode h = new ObjectMapper().readTree(Targets.get(w, "/api/history?target=app").body());
            assertThat(h.path("time").size()).isEqualTo(3);
            assertThat(w.up("second")).isTrue();
            w.reload(WatchConfig.of(Targets.of("second", server, dir), 0));
            assertThat(Targets.get(w, "/metrics").body()).doesNotContain("target=\"app\"");
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            libpq URI       | postgresql://postgres@HOST:PORT/postgres?sslmode=disable&connect_timeout=10
            keyword/value   | host=HOST port=PORT dbname=postgres user=postgres sslmode=disable
            """)
    void aTargetConnectionInLibpqFormReachesTheServer(String form, String connection) throws Exception {
        PostgresServer server = PostgresServer.shared();
        Path secret = dir.resolve("pw");
        Files.writeString(secret, server.password() + "\n");
        String conn = connection.replace("HOST", server.host()).replace("PORT", Integer.toString(server.port()));
        WatchConfig c = WatchConfig.load(write("""
                listen: 127.0.0.1:0
                targets:
                  - name: libpq
                    connection: "%s"
                    password_file: %s
                """.formatted(conn, secret)));
        assertThat(c.target("libpq").connection()).isEqualTo(conn);
        try (Watchdog w = Watchdog.builder(c).scheduled(false).start()) {
            w.sampleNow();
            assertThat(w.up("libpq")).as(form + " reaches the embedded server").isTrue();
            JsonNode targets = new ObjectMapper().readTree(Targets.get(w, "/api/targets").body());
            assertThat(targets.toString()).contains(server.host() + ":" + server.port() + "/postgres as postgres")
                    .doesNotContain(server.password());
        }
    }

    @Test
    void readsTheWebConfigurationFileRelativeToItselfTheAllowedHostsAndAnIpv6Listen() throws Exception {
        WatchConfig c = WatchConfig.load(write("""
                listen: "[::1]:9187"
                web_config_file: web.yml
                allowed_hosts: [watch.example.internal, localhost]
                targets:
                  - name: a
                    connection: jdbc:postgresql://db1:5432/a
                """));
        assertThat(c.webConfigFile()).isEqualTo(dir.resolve("web.yml").toAbsolutePath());
        assertThat(c.allowedHosts()).containsExactly("watch.example.internal", "localhost");
        assertThat(c.bind()).isEqualTo("::1");
        assertThat(c.withHttp("0.0.0.0", 0, null, null).webConfigFile()).as("a flag overrides only what it names")
                .isEqualTo(c.webConfigFile());
    }
}
