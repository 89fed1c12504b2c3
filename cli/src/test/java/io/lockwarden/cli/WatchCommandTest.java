package io.lockwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockwarden.testkit.fixture.LockSessions;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WatchCommandTest {
    @TempDir
    Path dir;

    @Test
    void onceReportsALeakAsAFindingAndExitsOne() throws Exception {
        PostgresServer server = PostgresServer.shared();
        try (LockSessions sessions = new LockSessions(server)) {
            Connection leaker = sessions.open("watch-cli-leaker");
            LockSessions.exec(leaker, "SELECT pg_advisory_lock(9090)");
            CliRun r = CliRun.run(CliRun.env(server), "watch", "--url", server.jdbcUrl(), "--idle-threshold", "0s",
                    "--once");
            assertThat(r.exit()).as(r.err()).isEqualTo(1);
            assertThat(r.out()).contains("postgres: up, 1 held, 0 waiting; 1 incident: idle-session-locks (");
            assertThat(r.out().lines()).hasSize(1).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(100));
            assertThat(r.out() + r.err()).doesNotContain(server.password());
        }
        CliRun clean = CliRun.run(CliRun.env(server), "watch", "--url", server.jdbcUrl(), "--once");
        assertThat(clean.exit()).as(clean.err()).isZero();
    }

    @Test
    void aBadConfigurationIsOneLineWithFileAndLineAndExitTwo() throws Exception {
        Path f = dir.resolve("lockwarden.yml");
        Files.writeString(f, "targets:\n  - name: a\n    connection: jdbc:postgresql://h/db\n    password: hunter2\n");
        CliRun r = CliRun.run(CliRun.env(PostgresServer.shared()), "watch", "--config", f.toString(), "--once");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip()).startsWith("lockwarden: " + f + ":4:5:").contains("password_env")
                .doesNotContain("hunter2").doesNotContain("\n");
    }

    @Test
    void enforcementWithoutAnAuditLogIsRefused() {
        PostgresServer server = PostgresServer.shared();
        CliRun r = CliRun.run(CliRun.env(server), "watch", "--url", server.jdbcUrl(), "--enforce", "enforce", "--once");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("needs --audit-log");
    }

    private Path configFile(PostgresServer server, String top) throws Exception {
        Path pw = dir.resolve("pw");
        Files.writeString(pw, server.password() + "\n");
        Path f = dir.resolve("lockwarden.yml");
        Files.writeString(f, top + "targets:\n  - name: app\n    connection: " + server.jdbcUrl() + "\n    user: "
                + PostgresServer.SUPERUSER + "\n    password_file: " + pw + "\n");
        return f;
    }

    @Test
    void listenAndIntervalFlagsOverrideTheConfigurationFile() throws Exception {
        PostgresServer server = PostgresServer.shared();
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            // the file names a port that is in use and a one-hour interval: if it won, the watchdog could not
            // bind, and would sample once
            Path f = configFile(server, "interval: 1h\nlisten: 127.0.0.1:" + taken.getLocalPort() + "\n");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            CliContext ctx = new CliContext(new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8), InputStream.nullInputStream(),
                    CliRun.env(server), false, null);
            int[] exit = {-1};
            Thread watch = new Thread(() -> exit[0] = Main.run(ctx, "watch", "--config", f.toString(), "--listen",
                    "127.0.0.1:0", "--interval", "200ms"), "watch-under-test");
            watch.start();
            try {
                Pattern url = Pattern.compile("dashboard and metrics at (http://127\\.0\\.0\\.1:(\\d+)/)");
                long end = System.nanoTime() + 60_000_000_000L;
                Matcher m = url.matcher("");
                while (System.nanoTime() < end && !(m = url.matcher(out.toString(StandardCharsets.UTF_8))).find()) {
                    assertThat(watch.isAlive()).as(err.toString(StandardCharsets.UTF_8)).isTrue();
                    Thread.sleep(100);
                }
                assertThat(m.find(0)).as(out + " " + err).isTrue();
                assertThat(Integer.parseInt(m.group(2))).isNotEqualTo(taken.getLocalPort());
                HttpClient http = HttpClient.newHttpClient();
                String history = m.group(1) + "api/history";
                long until = System.nanoTime() + 30_000_000_000L;
                int samples = 0;
                while (System.nanoTime() < until && samples < 4) {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(history))
                            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200) {
                        samples = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body()).path("time")
                                .size();
                    }
                    Thread.sleep(200);
                }
                assertThat(samples).as("sampled every 200 ms, not every hour").isGreaterThanOrEqualTo(4);
            } finally {
                watch.interrupt();
                watch.join(30_000);
            }
            assertThat(watch.isAlive()).isFalse();
            assertThat(exit[0]).isZero();
        }
    }

    @Test
    void optionsAboutTheOneUrlDatabaseAreRefusedWithAConfigurationFile() throws Exception {
        Path f = configFile(PostgresServer.shared(), "");
        CliRun r = CliRun.run(CliRun.env(PostgresServer.shared()), "watch", "--config", f.toString(), "--enforce",
                "enforce", "--once");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip()).contains("--enforce applies to the one --url database").doesNotContain("\n");
    }

    @Test
    void anIntervalOutsideOneHundredMillisecondsToOneHourIsOneLineAndExitTwo() throws Exception {
        PostgresServer server = PostgresServer.shared();
        for (String bad : new String[] {"99999999999d", "2h", "10ms"}) {
            CliRun r = CliRun.run(CliRun.env(server), "watch", "--url", server.jdbcUrl(), "--interval", bad, "--once");
            assertThat(r.exit()).as(bad + ": " + r.err()).isEqualTo(2);
            assertThat(r.err().strip()).contains("interval must be between 100ms and 1h").doesNotContain("\n");
        }
        CliRun overflow = CliRun.run(CliRun.env(server), "watch", "--url", server.jdbcUrl(), "--interval",
                "99999999999999999999d", "--once");
        assertThat(overflow.exit()).isEqualTo(2);
        assertThat(overflow.err().strip()).contains("too long a duration").doesNotContain("\n");
        Path f = configFile(server, "interval: 99999999999d\n");
        CliRun file = CliRun.run(CliRun.env(server), "watch", "--config", f.toString(), "--once");
        assertThat(file.exit()).isEqualTo(2);
        assertThat(file.err().strip()).startsWith("lockwarden: " + f + ":1:").contains("between 100ms and 1h");
    }

    @Test
    void onceWithAnIpv6ListenAddressSamplesPrintsOneLineAndBindsNoPort() throws Exception {
        PostgresServer server = PostgresServer.shared();
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
            CliRun r = CliRun.run(CliRun.env(server), "watch", "--url", server.jdbcUrl(), "--listen",
                    "[::1]:" + taken.getLocalPort(), "--once");
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out().strip()).isEqualTo("postgres: up, 0 held, 0 waiting; no incident");
        }
    }

    @Test
    void onceReportsATargetThatIsDownInOneShortLineAndExitsOne() throws Exception {
        Path f = dir.resolve("down.yml");
        Files.writeString(f, "targets:\n  - name: gone\n    connection: postgresql://nobody@127.0.0.1:1/x\n");
        CliRun r = CliRun.run(Map.of("PGPASSWORD", "not-a-secret"), "watch", "--config", f.toString(), "--once");
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        assertThat(r.out().strip()).isEqualTo("gone: down (connect: Connection to 127.0.0.1:1 refused.)");
    }

    @Test
    void aBadWebConfigurationFileIsOneLineAndExitTwoEvenWithOnce() throws Exception {
        Path web = dir.resolve("web.yml");
        Files.writeString(web, "basic_auth_users:\n  ops: plain-password\n");
        PostgresServer server = PostgresServer.shared();
        CliRun r = CliRun.run(CliRun.env(server), "watch", "--url", server.jdbcUrl(), "--web.config.file",
                web.toString(), "--once");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip()).contains("basic_auth_users.ops").doesNotContain("plain-password")
                .doesNotContain("\n");
    }
}
