package io.lockwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lockwarden.testkit.fixture.PgBouncer;
import io.lockwarden.testkit.fixture.PgBouncer.AuthType;
import io.lockwarden.testkit.fixture.PostgresServer;
import io.lockwarden.testkit.fixture.SilentPort;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way psql users name a server (URI, keyword/value, flags, PG* variables, .pgpass, pg_service.conf)
 * reaches the embedded server, and diagnose --pgbouncer reads a stock PgBouncer with trust, md5, scram and
 * TLS; stderr stays empty (no driver logging) whenever the run works.
 */
class ConnectingTest {
    private static final PostgresServer SERVER = PostgresServer.shared();

    @TempDir
    Path home;

    private Map<String, String> env(String... pairs) {
        Map<String, String> env = new HashMap<>();
        env.put("HOME", home.toString());
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return env;
    }

    private static void assertReached(CliRun r) {
        assertThat(r.err()).as(r.err()).isEmpty();
        assertThat(r.exit()).isLessThan(2);
        assertThat(r.out()).contains("127.0.0.1:" + SERVER.port() + "/postgres as postgres")
                .doesNotContain(SERVER.password());
    }

    private Path privateFile(String name, String content) throws IOException {
        Path f = home.resolve(name);
        Files.writeString(f, content);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        return f;
    }

    @Test
    void eachConnectionFormReachesTheServer() throws IOException {
        String pw = SERVER.password();
        int port = SERVER.port();
        assertReached(CliRun.run(env(), "diagnose", "--url",
                "postgresql://postgres:" + pw + "@127.0.0.1:" + port + "/postgres?sslmode=disable"));
        assertReached(CliRun.run(env("PGPASSWORD", pw), "diagnose", "--url",
                "postgres://postgres@127.0.0.1:" + port + "/postgres"));
        assertReached(CliRun.run(env(), "diagnose", "--url",
                "host=127.0.0.1 port=" + port + " dbname=postgres user=postgres password='" + pw + "'"));
        assertReached(CliRun.run(env("PGPASSWORD", pw), "diagnose",
                "-h", "127.0.0.1", "-p", String.valueOf(port), "-U", "postgres", "-d", "postgres"));
        assertReached(CliRun.run(env("PGPASSWORD", pw), "diagnose", "-d",
                "host=127.0.0.1 port=" + port + " user=postgres dbname=postgres"));
        assertReached(CliRun.run(env("PGHOST", "127.0.0.1", "PGPORT", String.valueOf(port), "PGDATABASE", "postgres",
                "PGUSER", "postgres", "PGPASSWORD", pw, "PGSSLMODE", "prefer", "PGAPPNAME", "oncall",
                "PGCONNECT_TIMEOUT", "5"), "diagnose"));
        Path services = privateFile("services.conf", "[incident]\nhost=127.0.0.1\nport=" + port
                + "\ndbname=postgres\nuser=postgres\n");
        assertReached(CliRun.run(env("PGSERVICE", "incident", "PGSERVICEFILE", services.toString(), "PGPASSWORD", pw),
                "diagnose"));
        privateFile(".pg_service.conf", "[home-svc]\nhost=127.0.0.1\nport=" + port + "\ndbname=postgres\n");
        Path passfile = privateFile("pgpass", "# a comment\nelsewhere:*:*:*:wrong\n127.0.0.1:" + port
                + ":*:postgres:" + pw.replace(":", "\\:") + "\n");
        assertReached(CliRun.run(env("PGPASSFILE", passfile.toString()), "diagnose", "--url", "service=home-svc",
                "-U", "postgres"));
        Files.copy(passfile, home.resolve(".pgpass"));
        assertReached(CliRun.run(env(), "diagnose", "-h", "127.0.0.1", "-p", String.valueOf(port), "-U", "postgres",
                "-d", "postgres"));
    }

    @Test
    void passwordFileThatOthersMayReadIsIgnoredAsLibpqIgnoresIt() throws IOException {
        Path passfile = home.resolve(".pgpass");
        Files.writeString(passfile, "*:*:*:*:" + SERVER.password() + "\n");
        Files.setPosixFilePermissions(passfile, PosixFilePermissions.fromString("rw-r--r--"));
        CliRun r = CliRun.run(env(), "diagnose", "-h", "127.0.0.1", "-p", String.valueOf(SERVER.port()),
                "-U", "postgres", "-d", "postgres");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().lines()).containsExactly(
                "lockwarden: warning: password file \"" + passfile + "\" has group or world access; permissions "
                        + "should be u=rw (0600) or less: it is ignored (run chmod 0600 " + passfile + ")",
                "lockwarden: PostgreSQL at 127.0.0.1:" + SERVER.port() + "/postgres requires a password for user "
                        + "'postgres': set PGPASSWORD, add it to ~/.pgpass, or run in a terminal to be prompted");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void sslmodeFromTheEnvironmentReachesTheDriver() {
        CliRun r = CliRun.run(env("PGUSER", "postgres", "PGPASSWORD", SERVER.password(), "PGSSLMODE", "require"), "diagnose",
                "-h", "127.0.0.1", "-p", String.valueOf(SERVER.port()), "-U", "postgres");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip().lines()).singleElement().asString()
                .contains("does not offer TLS, which sslmode=require requires");
    }

    @Test
    void diagnoseReadsStockPgBouncerWithMd5AStatsUserFromPgpassAndItsApplicationName() throws Exception {
        try (PgBouncer bouncer = PgBouncer.builder(SERVER).authType(AuthType.MD5).user("watcher", "watch-pw")
                .statsUsers("watcher").start();
             Connection client = bouncer.connect(); Statement st = client.createStatement()) {
            st.execute("SELECT 1");
            String console = "postgresql://127.0.0.1:" + bouncer.port() + "/pgbouncer";
            CliRun admin = CliRun.run(env("PGUSER", "postgres", "PGPASSWORD", SERVER.password(), "PGAPPNAME", "oncall-probe"), "diagnose",
                    "--url", SERVER.jdbcUrl(), "--pgbouncer", console, "--format", "json");
            assertThat(admin.err()).isEmpty();
            JsonNode doc = new ObjectMapper().readTree(admin.out());
            assertThat(doc.at("/pgbouncer/servers")).isNotEmpty();
            assertThat(doc.at("/pgbouncer/clients").findValuesAsText("application_name")).contains("oncall-probe");

            // PGPASSWORD would win over the file, as in libpq: both passwords come from ~/.pgpass here
            privateFile(".pgpass", "127.0.0.1:" + bouncer.port() + ":pgbouncer:watcher:watch-pw\n"
                    + "127.0.0.1:" + SERVER.port() + ":*:postgres:" + SERVER.password().replace(":", "\\:") + "\n");
            CliRun stats = CliRun.run(env("PGUSER", "postgres"), "diagnose", "--url", SERVER.jdbcUrl(),
                    "--pgbouncer", "host=127.0.0.1 port=" + bouncer.port() + " user=watcher", "--all");
            assertThat(stats.err()).isEmpty();
            assertThat(stats.out()).contains("PgBouncer server connections");

            CliRun wrong = CliRun.run(env("PGUSER", "postgres", "PGPASSWORD", SERVER.password()), "diagnose", "--url", SERVER.jdbcUrl(),
                    "--pgbouncer", "postgresql://watcher:not-it@127.0.0.1:" + bouncer.port() + "/pgbouncer");
            assertThat(wrong.exit()).isEqualTo(2);
            assertThat(wrong.err().strip().lines()).singleElement().asString()
                    .contains("password authentication failed for user 'watcher' at PgBouncer console")
                    .doesNotContain("not-it");
        }
    }

    @Test
    void diagnoseReadsStockPgBouncerWithScramOverVerifiedTls() throws Exception {
        try (PgBouncer bouncer = PgBouncer.builder(SERVER).authType(AuthType.SCRAM_SHA_256).clientTls("require").start()) {
            Map<String, String> env = env("PGUSER", "postgres", "PGPASSWORD", SERVER.password(), "PGSSLMODE", "verify-full",
                    "PGSSLROOTCERT", bouncer.tlsRootCertificate().orElseThrow().toString());
            CliRun r = CliRun.run(env, "diagnose", "--url", SERVER.jdbcUrl() + "?sslmode=disable",
                    "--pgbouncer", "postgresql://localhost:" + bouncer.port(), "--format", "json");
            assertThat(r.err()).isEmpty();
            assertThat(new ObjectMapper().readTree(r.out()).at("/pgbouncer/config")).isNotEmpty();

            env.put("PGSSLMODE", "disable");
            CliRun plain = CliRun.run(env, "diagnose", "--url", SERVER.jdbcUrl(),
                    "--pgbouncer", "postgresql://127.0.0.1:" + bouncer.port());
            assertThat(plain.exit()).isEqualTo(2);
            assertThat(plain.err().strip().lines()).singleElement().asString().contains("requires TLS");
        }
    }

    @Test
    void aPostgresqlServerOrASilentPortGivenAsTheConsoleIsOneLine() throws IOException {
        CliRun pg = CliRun.run(env("PGUSER", "postgres", "PGPASSWORD", SERVER.password()), "diagnose", "--url", SERVER.jdbcUrl(),
                "--pgbouncer", "postgresql://127.0.0.1:" + SERVER.port() + "/pgbouncer");
        assertThat(pg.exit()).isEqualTo(2);
        assertThat(pg.err().strip().lines()).singleElement().asString().contains("not a PgBouncer admin console");
        try (SilentPort silent = SilentPort.open()) {
            CliRun mute = CliRun.run(env("PGUSER", "postgres", "PGPASSWORD", SERVER.password(), "PGCONNECT_TIMEOUT", "2"), "diagnose",
                    "--url", SERVER.jdbcUrl(), "--pgbouncer", "host=127.0.0.1 port=" + silent.port());
            assertThat(mute.exit()).isEqualTo(2);
            assertThat(mute.err().strip().lines()).singleElement().asString().contains("did not answer within 2 s");
        }
    }

    @Test
    void helpIsDashQuestionMarkAndDashHIsTheHost() {
        CliRun help = CliRun.run(env(), "diagnose", "-?");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("-h, --host=HOST", "-p, --port=PORT", "-U, --user, --username=USER", "-d, --dbname=DBNAME",
                "-?, --help");
        for (String command : List.of("release", "soak")) {
            assertThat(CliRun.run(env(), command, "--help").out()).contains("-h, --host=HOST", "-?, --help");
        }
    }

    @Test
    void driverLoggingIsSilencedUnlessVerbose() {
        Logger pgjdbc = Logger.getLogger("org.postgresql.Driver");
        CliRun.run(env(), "diagnose", "-?");
        assertThat(pgjdbc.isLoggable(Level.WARNING)).isFalse();
        CliRun.run(env(), "diagnose", "-?", "--verbose");
        assertThat(pgjdbc.isLoggable(Level.WARNING)).isTrue();
        CliRun.run(env(), "diagnose", "-?");
        assertThat(pgjdbc.isLoggable(Level.SEVERE)).isFalse();
    }
}
