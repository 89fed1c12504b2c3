package io.lockwarden.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockwarden.connect.ConsoleException.Failure;
import io.lockwarden.testkit.fixture.PgBouncer;
import io.lockwarden.testkit.fixture.PgBouncer.AuthType;
import io.lockwarden.testkit.fixture.PostgresServer;
import io.lockwarden.testkit.fixture.SilentPort;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The console client against real PgBouncer processes on their stock configuration, one per auth set-up. */
class PgBouncerConsoleTest {
    private static final String WATCHER_PASSWORD = "w@tch er:pw";

    static ConnectionSettings as(ConnectionSettings s, String user, String password, SslMode mode, Path root) {
        return new ConnectionSettings(s.host(), s.port(), s.database(), user,
                Optional.ofNullable(password).map(p -> Password.of(p, "the test")), mode, Optional.ofNullable(root),
                "lockwarden-test", Duration.ofSeconds(20), Map.of());
    }

    static void assertFailure(ThrowingCallable call, Failure failure, String... fragments) {
        assertThatThrownBy(call).isInstanceOfSatisfying(ConsoleException.class, e -> {
            assertThat(e.failure()).as(e.getMessage()).isEqualTo(failure);
            assertThat(e.getMessage()).contains(fragments);
            assertThat(e.getMessage().lines()).hasSize(1);
            assertThat(e.getMessage()).doesNotContain(WATCHER_PASSWORD);
        });
    }

    @Test
    void stockTrustConsoleAnswersEveryShowInOneRoundTrip() {
        try (PgBouncer bouncer = PgBouncer.builder(PostgresServer.shared()).start();
             PgBouncerConsole console = bouncer.openConsole()) {
            assertThat(console.serverVersion()).endsWith("/bouncer");
            int before = console.roundTrips();
            List<List<Map<String, String>>> r = console.queryAll(
                    List.of("SHOW SERVERS", "SHOW CLIENTS", "SHOW POOLS", "SHOW CONFIG", "SHOW VERSION"));
            assertThat(console.roundTrips() - before).isEqualTo(1);
            assertThat(r).hasSize(5);
            assertThat(r.get(1)).anySatisfy(c -> assertThat(c.get("database")).isEqualTo("pgbouncer"));
            assertThat(r.get(3)).anySatisfy(c -> {
                assertThat(c.get("key")).isEqualTo("ignore_startup_parameters");
                assertThat(c.get("value")).isEmpty();
            });
            assertThat(r.get(4).get(0).values().iterator().next()).startsWith("PgBouncer ");
            assertFailure(() -> console.query("SHOW NOTHING_SUCH"), Failure.COMMAND_FAILED, "SHOW NOTHING_SUCH");
            assertThat(console.query("SHOW VERSION")).hasSize(1); // still usable after a failed command
        }
    }

    @Test
    void md5LoginWithStatsAndAdminUsersAndEachRefusal() {
        PostgresServer server = PostgresServer.shared();
        try (PgBouncer bouncer = PgBouncer.builder(server).authType(AuthType.MD5)
                .user("watcher", WATCHER_PASSWORD).user("app", "app-pw")
                .statsUsers("watcher").start()) {
            ConnectionSettings base = bouncer.consoleSettings();
            try (PgBouncerConsole admin = PgBouncerConsole.connect(base)) {
                assertThat(admin.query("RECONNECT")).isEmpty();
            }
            try (PgBouncerConsole stats = PgBouncerConsole.connect(as(base, "watcher", WATCHER_PASSWORD, SslMode.PREFER, null))) {
                assertThat(stats.query("SHOW POOLS")).isNotEmpty();
                assertFailure(() -> stats.query("RECONNECT"), Failure.ADMIN_REQUIRED, "watcher", "admin_users");
            }
            assertFailure(() -> PgBouncerConsole.connect(as(base, "watcher", "wrong", SslMode.PREFER, null)),
                    Failure.WRONG_PASSWORD, "password authentication failed", "watcher", "127.0.0.1:" + bouncer.port());
            assertFailure(() -> PgBouncerConsole.connect(as(base, "watcher", null, SslMode.PREFER, null)),
                    Failure.PASSWORD_REQUIRED, "PGPASSWORD");
            assertFailure(() -> PgBouncerConsole.connect(as(base, "app", "app-pw", SslMode.PREFER, null)),
                    Failure.NOT_ALLOWED, "admin_users", "stats_users", "'app'");
            assertFailure(() -> PgBouncerConsole.connect(as(base, "postgres", null, SslMode.REQUIRE, null)),
                    Failure.TLS_REFUSED, "client_tls_sslmode");
        }
    }

    @Test
    void scramLoginOverVerifiedTlsAndTheTlsRefusals(@TempDir Path tmp) throws IOException {
        PostgresServer server = PostgresServer.shared();
        try (PgBouncer bouncer = PgBouncer.builder(server).authType(AuthType.SCRAM_SHA_256).clientTls("require")
                .user("watcher", WATCHER_PASSWORD).statsUsers("watcher").start()) {
            Path root = bouncer.tlsRootCertificate().orElseThrow();
            ConnectionSettings base = bouncer.consoleSettings();
            try (PgBouncerConsole console = PgBouncerConsole.connect(
                    as(base, "watcher", WATCHER_PASSWORD, SslMode.VERIFY_FULL, root))) {
                assertThat(console.query("SHOW SERVERS")).isNotNull();
            }
            try (PgBouncerConsole console = PgBouncerConsole.connect(
                    as(base, "watcher", WATCHER_PASSWORD, SslMode.ALLOW, null))) {
                assertThat(console.query("SHOW VERSION")).hasSize(1);
            }
            assertFailure(() -> PgBouncerConsole.connect(as(base, "watcher", "wrong", SslMode.REQUIRE, null)),
                    Failure.WRONG_PASSWORD, "watcher");
            assertFailure(() -> PgBouncerConsole.connect(as(base, "watcher", WATCHER_PASSWORD, SslMode.DISABLE, null)),
                    Failure.TLS_REQUIRED, "requires TLS");
            Path otherRoot = tmp.resolve("other.crt");
            try (PgBouncer other = PgBouncer.builder(server).clientTls("prefer").start()) {
                Files.copy(other.tlsRootCertificate().orElseThrow(), otherRoot);
            }
            assertFailure(() -> PgBouncerConsole.connect(as(base, "watcher", WATCHER_PASSWORD, SslMode.VERIFY_CA, otherRoot)),
                    Failure.TLS_FAILED, "sslrootcert");
        }
    }

    @Test
    void aPostgresqlServerGivenAsTheConsoleIsNamedAsSuch() {
        PostgresServer server = PostgresServer.shared();
        ConnectionSettings pg = new ConnectionSettings("127.0.0.1", server.port(), "postgres", PostgresServer.SUPERUSER,
                Optional.of(Password.of(server.password(), "the test")), SslMode.PREFER, Optional.empty(), "t",
                Duration.ofSeconds(20), Map.of());
        assertFailure(() -> PgBouncerConsole.connect(pg), Failure.NOT_A_CONSOLE, "not a PgBouncer admin console");
        assertFailure(() -> PgBouncerConsole.connect(pg.withDatabase("pgbouncer")), Failure.NOT_A_CONSOLE,
                "not a PgBouncer admin console");
    }

    @Test
    void nothingListeningAndASilentServerEachFailWithOneLine() throws IOException {
        int free;
        try (ServerSocket s = new ServerSocket(0)) {
            free = s.getLocalPort();
        }
        ConnectionSettings nowhere = new ConnectionSettings("127.0.0.1", free, "pgbouncer", "postgres", Optional.empty(),
                SslMode.DISABLE, Optional.empty(), "t", Duration.ofSeconds(2), Map.of());
        assertFailure(() -> PgBouncerConsole.connect(nowhere), Failure.UNREACHABLE, "127.0.0.1:" + free);
        try (SilentPort silent = SilentPort.open()) {
            ConnectionSettings mute = new ConnectionSettings("127.0.0.1", silent.port(), "pgbouncer", "postgres",
                    Optional.empty(), SslMode.PREFER, Optional.empty(), "t", Duration.ofSeconds(2), Map.of());
            assertFailure(() -> PgBouncerConsole.connect(mute), Failure.TIMEOUT, "within 2 s");
        }
    }
}
