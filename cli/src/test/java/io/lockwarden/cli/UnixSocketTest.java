package io.lockwarden.cli;

import static io.lockwarden.testkit.fixture.LockSessions.exec;
import static org.assertj.core.api.Assertions.assertThat;

import io.lockwarden.testkit.fixture.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 22.2: connecting as psql does through a Unix-domain socket with peer authentication (the server's
 * pg_hba.conf says {@code local all all peer}; the test connects as its own operating-system user), by -h DIR,
 * by a bare connection string as the first argument, and with no host at all when the local server's socket is in
 * /tmp.
 */
class UnixSocketTest {
    private static final String OS_USER = System.getProperty("user.name");
    private static Path sockets;
    private static PostgresServer server;

    @BeforeAll
    static void startWithPeerAuthentication() throws Exception {
        sockets = Files.createTempDirectory("lw-sock-");
        Files.setPosixFilePermissions(sockets, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path hba = sockets.resolve("pg_hba.conf");
        Files.writeString(hba, "local all all peer\nhost all all 127.0.0.1/32 scram-sha-256\n");
        Files.setPosixFilePermissions(hba, PosixFilePermissions.fromString("rw-r--r--"));
        server = PostgresServer.builder().setting("unix_socket_directories", sockets + ",/tmp")
                .setting("hba_file", hba.toString()).start();
        try (Connection su = server.connect()) {
            exec(su, "CREATE ROLE \"" + OS_USER + "\" LOGIN");
            exec(su, "GRANT pg_monitor TO \"" + OS_USER + "\"");
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        try (var files = Files.walk(sockets)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static Map<String, String> env(String... pairs) {
        Map<String, String> env = new java.util.HashMap<>(Map.of("HOME", sockets.toString()));
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return env;
    }

    @Test
    void socketDirectoryAsHostWithPeerAuthentication() {
        CliRun r = CliRun.run(env(), "diagnose", "-h", sockets.toString(), "-p", String.valueOf(server.port()),
                "-d", "postgres");
        assertThat(r.err()).as(r.err()).isEmpty();
        assertThat(r.exit()).isLessThan(2);
        assertThat(r.out().replaceAll("\\s*\\n\\s+", " ")).contains("socket " + sockets.resolve(".s.PGSQL."
                + server.port()) + "/postgres as " + OS_USER);
    }

    @Test
    void bareConnectionStringAsTheFirstArgument() {
        CliRun kv = CliRun.run(env(), "diagnose", "host=" + sockets + " port=" + server.port() + " dbname=postgres");
        assertThat(kv.err()).as(kv.err()).isEmpty();
        assertThat(kv.out()).contains("as " + OS_USER);
        CliRun uri = CliRun.run(env("PGPASSWORD", server.password()), "diagnose",
                "postgresql://postgres@127.0.0.1:" + server.port() + "/postgres");
        assertThat(uri.err()).as(uri.err()).isEmpty();
        assertThat(uri.out()).contains("127.0.0.1:" + server.port() + "/postgres as postgres");
        CliRun twice = CliRun.run(env(), "diagnose", "--url", "host=x", "dbname=postgres");
        assertThat(twice.exit()).isEqualTo(2);
        assertThat(twice.err()).contains("give the connection string once");
    }

    @Test
    void noHostFindsTheLocalServersSocketAsPsqlDoes() {
        CliRun r = CliRun.run(env("PGPORT", String.valueOf(server.port()), "PGDATABASE", "postgres"), "diagnose");
        assertThat(r.err()).as(r.err()).isEmpty();
        assertThat(r.out().replaceAll("\\s*\\n\\s+", " ")).contains("socket /tmp/.s.PGSQL." + server.port()
                + "/postgres as " + OS_USER);
    }

    @Test
    void peerAuthenticationForAnotherRoleFailsInOneLine() {
        CliRun r = CliRun.run(env(), "diagnose", "-h", sockets.toString(), "-p", String.valueOf(server.port()),
                "-U", "postgres", "-d", "postgres");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip().lines()).singleElement().asString().contains("peer authentication", "sudo -u postgres", "socket " + sockets);
    }
}
