package io.lockwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockwarden.testkit.fixture.LockSessions;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
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
            assertThat(r.out()).contains("postgres: up, 1 held, 0 waiting; idle-session-holds-locks");
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
}
