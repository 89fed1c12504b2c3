package io.lockwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockwarden.testkit.fixture.PgBouncer;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Bad input: one line on stderr that names the problem and the fix, exit 2, no password anywhere. */
class CliErrorsTest {
    private static final PostgresServer SERVER = PostgresServer.shared();

    private static void assertOneLineError(CliRun r, String... mentions) {
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.err()).startsWith("lockwarden: ").contains(mentions).doesNotContain("\tat ");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void malformedUrl() {
        CliRun r = CliRun.run(CliRun.env(SERVER), "diagnose", "--url", "jdbc:mysql://db/app?password=hunter2");
        assertOneLineError(r, "--url", "not a PostgreSQL JDBC URL", "jdbc:postgresql://HOST:PORT/DATABASE");
        assertThat(r.err()).doesNotContain("hunter2");
    }

    @Test
    void passwordInTheHostPartIsRefusedWithoutEchoingIt() {
        CliRun diagnose = CliRun.run(CliRun.env(SERVER), "diagnose", "--url", "jdbc:postgresql://app:s3cr3t-pw@127.0.0.1:1/app");
        assertOneLineError(diagnose, "--url", "?user=NAME", "PGPASSWORD", "postgresql://user@host/db");
        assertThat(diagnose.err()).doesNotContain("s3cr3t-pw");
        CliRun soak = CliRun.run(Map.of(), "soak", "--url", "jdbc:postgresql://app:s3cr3t-pw@127.0.0.1:1/app");
        assertThat(soak.exit()).isEqualTo(2);
        assertThat(soak.err().strip().lines()).singleElement().asString().contains("--url", "?user=NAME");
        assertThat(soak.err() + soak.out()).doesNotContain("s3cr3t-pw");
    }

    @Test
    void unquotedPasswordWithASpaceIsNeverEchoed() {
        // the shell splits --url postgresql://ops:pa s3cr3t@db/shop into two words (issue 21.9)
        CliRun r = CliRun.run(Map.of(), "diagnose", "--url", "postgresql://ops:pa", "s3cr3t@127.0.0.1/shop");
        assertOneLineError(r, "quote");
        assertThat(r.err()).doesNotContain("s3cr3t").doesNotContain("'pa'").doesNotContain("\"pa\"");
        CliRun port = CliRun.run(Map.of(), "release", "--pid", "1", "--url", "postgresql://ops:pa");
        assertOneLineError(port, "invalid port number");
        assertThat(port.err()).doesNotContain("pa\"").doesNotContain("ops:pa");
    }

    @Test
    void mistypedSchemeIsRefusedAndNeverSentToTheServer() {
        for (String url : new String[] {"PostgreSQL://postgres:s3cr3t@127.0.0.1:" + SERVER.port() + "/postgres",
            "postgresql:/postgres:s3cr3t@127.0.0.1:" + SERVER.port() + "/postgres"}) {
            CliRun r = CliRun.run(Map.of("PGPORT", String.valueOf(SERVER.port()), "PGHOST", "127.0.0.1"),
                    "diagnose", "-d", url);
            assertOneLineError(r, "postgresql://");
            assertThat(r.err()).doesNotContain("s3cr3t").doesNotContain("does not exist");
        }
    }

    @Test
    void dashHIsHostInEveryCommandThatConnectsAndHelpIsDoubleDashEverywhere() {
        for (String command : new String[] {"diagnose", "release", "watch", "soak"}) {
            CliRun r = CliRun.run(Map.of(), command, "-h");
            assertThat(r.exit()).as(command).isEqualTo(2);
            assertThat(r.err()).as(command).contains("--host");
            assertThat(CliRun.run(Map.of(), command, "--help").exit()).as(command).isZero();
        }
        for (String command : new String[] {"scan", "postmortem", "demo"}) {
            CliRun help = CliRun.run(Map.of(), command, "--help");
            assertThat(help.exit()).as(command).isZero();
            assertThat(help.out()).as(command).contains("--help").doesNotContain("-h, --help");
        }
        assertThat(CliRun.run(Map.of(), "--help").out()).contains("--help", "--version").doesNotContain("-h,");
    }

    @Test
    void unreachableHost() {
        CliRun r = CliRun.run(CliRun.env(SERVER), "diagnose", "--url", "jdbc:postgresql://127.0.0.1:1/postgres");
        assertOneLineError(r, "cannot connect", "127.0.0.1:1", "server is running");
    }

    @Test
    void wrongPasswordFromTheEnvironment() {
        Map<String, String> env = Map.of("PGUSER", "postgres", "PGPASSWORD", "not-the-password-42");
        CliRun r = CliRun.run(env, "diagnose", "--url", SERVER.jdbcUrl());
        assertOneLineError(r, "password authentication failed", "'postgres'", "PGPASSWORD");
        assertThat(r.err()).doesNotContain("not-the-password-42");
    }

    @Test
    void wrongPasswordInTheUrlIsNeverPrinted() {
        CliRun r = CliRun.run(Map.of(), "diagnose", "--url",
                SERVER.jdbcUrl() + "?user=postgres&password=sekret-in-url", "--verbose");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("password authentication failed").doesNotContain("sekret-in-url");
    }

    @Test
    void missingPasswordWithoutATerminal() {
        CliRun r = CliRun.run(Map.of("PGUSER", "postgres"), "diagnose", "--url", SERVER.jdbcUrl());
        assertOneLineError(r, "requires a password", "PGPASSWORD");
    }

    @Test
    void pgBouncerConsoleRefusesANonAdminUser() {
        try (PgBouncer bouncer = PgBouncer.builder(SERVER).user("app_user", "app-pw").start()) {
            CliRun r = CliRun.run(CliRun.env(SERVER), "diagnose", "--url", SERVER.jdbcUrl(), "--pgbouncer",
                    "jdbc:postgresql://127.0.0.1:" + bouncer.port() + "/pgbouncer?user=app_user&password=app-pw");
            assertOneLineError(r, "PgBouncer console", "refused user 'app_user'", "admin_users");
            assertThat(r.err()).doesNotContain("app-pw");
        }
    }

    @Test
    void unknownOptionAndBadDuration() {
        assertOneLineError(CliRun.run(Map.of(), "diagnose", "--frobnicate"), "Unknown option", "lockwarden diagnose --help");
        assertOneLineError(CliRun.run(Map.of(), "diagnose", "--idle-threshold", "soon"), "not a duration");
        assertOneLineError(CliRun.run(Map.of(), "release", "--url", SERVER.jdbcUrl()), "--pid");
    }

    @Test
    void helpAndVersionExitZero() {
        CliRun help = CliRun.run(Map.of(), "diagnose", "--help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("--url", "--pgbouncer", "--namespace", "--idle-threshold", "--format",
                "Exit codes");
        CliRun version = CliRun.run(Map.of(), "--version");
        assertThat(version.exit()).isZero();
        assertThat(version.out()).startsWith("lockwarden ").contains("tested with PostgreSQL 14.");
        assertThat(CliRun.run(Map.of(), "release", "--help").out())
                .contains("--pid", "--idle-holders-older-than", "--dry-run", "--yes", "--force");
    }
}
