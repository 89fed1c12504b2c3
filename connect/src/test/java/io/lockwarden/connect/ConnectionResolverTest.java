package io.lockwarden.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each connection form and libpq's precedence, resolved without a server (the CLI tests connect with each). */
class ConnectionResolverTest {
    @TempDir
    Path home;

    private final List<String> warnings = new ArrayList<>();

    private ConnectionSettings resolve(Map<String, String> env, String connection, Map<String, String> flags) {
        return ConnectionResolver.of(env).home(home).osUser("osuser").warnings(warnings::add)
                .resolve(connection, flags, Map.of());
    }

    private ConnectionSettings resolve(String connection) {
        return resolve(Map.of(), connection, Map.of());
    }

    @Test
    void libpqUriWithUserPasswordPortAndParameters() {
        ConnectionSettings s = resolve("postgresql://ops:p%40ss@db.example:6543/app?sslmode=require&application_name=probe");
        assertThat(s.host()).isEqualTo("db.example");
        assertThat(s.port()).isEqualTo(6543);
        assertThat(s.database()).isEqualTo("app");
        assertThat(s.user()).isEqualTo("ops");
        assertThat(s.password()).hasValueSatisfying(p -> assertThat(p.reveal()).isEqualTo("p@ss"));
        assertThat(s.sslMode()).isEqualTo(SslMode.REQUIRE);
        assertThat(s.applicationName()).isEqualTo("probe");
        assertThat(s.toString()).doesNotContain("p@ss").contains("db.example:6543/app as ops");
        assertThat(s.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example:6543/app?sslmode=require&ApplicationName=probe"
                + "&connectTimeout=10&loginTimeout=10").doesNotContain("p@ss");
        assertThat(s.jdbcProperties()).containsEntry("user", "ops").containsEntry("password", "p@ss");
    }

    @Test
    void postgresSchemeIpv6AndDefaults() {
        ConnectionSettings s = resolve("postgres://[::1]/");
        assertThat(s.host()).isEqualTo("::1");
        assertThat(s.port()).isEqualTo(5432);
        assertThat(s.user()).isEqualTo("osuser");
        assertThat(s.database()).isEqualTo("osuser");
        assertThat(s.sslMode()).isEqualTo(SslMode.PREFER);
        assertThat(s.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.target()).isEqualTo("[::1]:5432/osuser");
    }

    @Test
    void keywordValueStringWithQuotesAndEscapes() {
        ConnectionSettings s = resolve("host=db port = 5433 dbname=app user=ops password='it\\'s x' connect_timeout=1");
        assertThat(s.port()).isEqualTo(5433);
        assertThat(s.password().orElseThrow().reveal()).isEqualTo("it's x");
        assertThat(s.connectTimeout()).as("libpq treats 1 as 2").isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void jdbcUrlKeepsPgjdbcOptionsAndMapsItsNames() {
        ConnectionSettings s = resolve("jdbc:postgresql://127.0.0.1:6432/app?prepareThreshold=0&ApplicationName=w&user=u");
        assertThat(s.user()).isEqualTo("u");
        assertThat(s.applicationName()).isEqualTo("w");
        assertThat(s.jdbcOptions()).containsExactly(Map.entry("prepareThreshold", "0"));
        assertThat(s.jdbcUrl()).contains("prepareThreshold=0");
        assertThat(resolve(s.jdbcUrl()).withPassword(Password.of("x", "t")).jdbcUrl()).isEqualTo(s.jdbcUrl());
    }

    @Test
    void connectionStringBeatsFlagsWhichBeatServiceWhichBeatsEnvironment() throws IOException {
        Files.writeString(home.resolve(".pg_service.conf"), """
                # comment
                [other]
                host=wrong
                [prod]
                host=svc-host
                port=7000
                dbname=svc-db
                """);
        Map<String, String> env = Map.of("PGSERVICE", "prod", "PGHOST", "env-host", "PGPORT", "7001",
                "PGUSER", "env-user", "PGDATABASE", "env-db", "PGAPPNAME", "env-app", "PGSSLMODE", "verify-ca",
                "PGSSLROOTCERT", "/tmp/root.crt", "PGCONNECT_TIMEOUT", "0");
        Map<String, String> flags = new HashMap<>();
        flags.put("host", "flag-host");
        ConnectionSettings s = resolve(env, "dbname=given-db", flags);
        assertThat(s.database()).isEqualTo("given-db");
        assertThat(s.host()).isEqualTo("flag-host");
        assertThat(s.port()).isEqualTo(7000);
        assertThat(s.user()).isEqualTo("env-user");
        assertThat(s.applicationName()).isEqualTo("env-app");
        assertThat(s.sslMode()).isEqualTo(SslMode.VERIFY_CA);
        assertThat(s.sslRootCert()).contains(Path.of("/tmp/root.crt"));
        assertThat(s.connectTimeout()).isZero();
        flags.put("host", "flag-host");
        assertThat(resolve(env, "host=given-host", flags).host()).as("as in psql, the string wins over -h")
                .isEqualTo("given-host");
    }

    @Test
    void passwordFileWithWildcardsEscapesAndFirstMatchWins() throws IOException {
        Path pgpass = home.resolve(".pgpass");
        Files.writeString(pgpass, """
                # host:port:database:user:password
                other:*:*:*:nope
                db:5432:app:ops:first\\:one
                *:*:*:ops:second
                """);
        Files.setPosixFilePermissions(pgpass, PosixFilePermissions.fromString("rw-------"));
        assertThat(resolve("host=db dbname=app user=ops").password()).hasValueSatisfying(p -> {
            assertThat(p.reveal()).isEqualTo("first:one");
            assertThat(p.source()).isEqualTo("password file " + pgpass);
        });
        assertThat(resolve("host=elsewhere user=ops").password().orElseThrow().reveal()).isEqualTo("second");
        assertThat(resolve("host=db user=app").password()).isEmpty();
        assertThat(resolve(Map.of("PGPASSWORD", "env"), "host=db dbname=app user=ops", Map.of())
                .password().orElseThrow().source()).as("PGPASSWORD comes before the file").isEqualTo("PGPASSWORD");
        assertThat(warnings).isEmpty();
    }

    @Test
    void passwordFileReadableByOthersIsIgnoredWithLibpqsWarning() throws IOException {
        Path pgpass = home.resolve("custom-pgpass");
        Files.writeString(pgpass, "*:*:*:*:secret\n");
        Files.setPosixFilePermissions(pgpass, PosixFilePermissions.fromString("rw-r--r--"));
        ConnectionSettings s = resolve(Map.of("PGPASSFILE", pgpass.toString()), "host=db", Map.of());
        assertThat(s.password()).isEmpty();
        assertThat(warnings).singleElement().asString()
                .contains("password file \"" + pgpass + "\" has group or world access", "0600");
    }

    @Test
    void badInputIsOneLineWithoutThePassword() {
        assertThatThrownBy(() -> resolve("host=db sslcert=x.crt")).hasMessageContaining("not supported by lockwarden");
        assertThatThrownBy(() -> resolve("host=db frob=1")).hasMessageContaining("invalid connection option \"frob\"");
        assertThatThrownBy(() -> resolve("postgresql://u:topsecret@db:notaport/app"))
                .hasMessageContaining("invalid port number").hasMessageNotContaining("topsecret");
        assertThatThrownBy(() -> resolve("host=/nonexistent-socket-dir")).hasMessageContaining("is not a directory");
        assertThatThrownBy(() -> resolve("host=@abstract")).hasMessageContaining("abstract Unix-domain socket");
        assertThatThrownBy(() -> resolve("sslmode=always")).hasMessageContaining("verify-full");
        assertThatThrownBy(() -> resolve("service=nope")).hasMessageContaining("definition of service \"nope\" not found");
        assertThatThrownBy(() -> resolve("jdbc:postgresql://u:topsecret@db/app"))
                .hasMessageContaining("?user=NAME").hasMessageNotContaining("topsecret");
        assertThatThrownBy(() -> resolve("password='unterminated")).hasMessageContaining("unterminated quoted value");
        assertThatThrownBy(() -> resolve("password=it's top secret")).hasMessageContaining("position")
                .hasMessageNotContaining("top").hasMessageNotContaining("secret");
    }

    @Test
    void aDirectoryHostIsAUnixSocketThroughJunixsocketWithoutTls() throws IOException {
        ConnectionSettings s = resolve("host=" + home + " port=6543 dbname=app sslmode=prefer");
        assertThat(s.unixSocket()).isTrue();
        assertThat(s.unixSocketFile()).isEqualTo(home.resolve(".s.PGSQL.6543"));
        assertThat(s.sslMode()).isEqualTo(SslMode.DISABLE);
        assertThat(s.jdbcUrl()).startsWith("jdbc:postgresql://localhost:6543/app?")
                .contains("socketFactory=org.newsclub.net.unix.AFUNIXSocketFactory%24FactoryArg",
                        "socketFactoryArg=" + java.net.URLEncoder.encode(home.resolve(".s.PGSQL.6543").toString(),
                                java.nio.charset.StandardCharsets.UTF_8), "sslmode=disable");
        assertThatThrownBy(() -> resolve("host=" + home + " sslmode=require"))
                .hasMessageContaining("Unix-domain socket").hasMessageContaining("sslmode=prefer");
    }

    @Test
    void noHostMeansTheLocalServersSocketWhenThereIsOneElseLocalhost() throws IOException {
        Path dir = Files.createDirectories(home.resolve("run"));
        ConnectionResolver r = ConnectionResolver.of(Map.of("PGPORT", "5499")).home(home).osUser("osuser")
                .socketDirectories(List.of(dir));
        assertThat(r.resolve(null, Map.of(), Map.of()).host()).isEqualTo("localhost");
        Files.createFile(dir.resolve(".s.PGSQL.5499"));
        assertThat(r.resolve(null, Map.of(), Map.of()).host()).isEqualTo(dir.toString());
        assertThat(r.resolve("host=db", Map.of(), Map.of()).host()).isEqualTo("db");
    }
}
