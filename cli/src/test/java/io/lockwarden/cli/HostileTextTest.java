package io.lockwarden.cli;

import static io.lockwarden.testkit.fixture.LockSessions.exec;
import static io.lockwarden.testkit.fixture.LockSessions.pid;
import static org.assertj.core.api.Assertions.assertThat;

import io.lockwarden.testkit.fixture.LockSessions;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * Issue 21.6: text any database user controls (role name, application name, query text) reaches the operator's
 * terminal with its control characters escaped, in diagnose and in release: no escape sequence, no forged line.
 */
class HostileTextTest {
    private static final PostgresServer SERVER = PostgresServer.shared();
    /** A role name that clears the screen, sets the window title and starts a forged second line. */
    private static final String ROLE = "evil\u001b[2J\u001b]0;owned\u0007\nERROR forged";
    private static final String APP = "app\u001b[31mred\u009b1m";

    private static Connection hostileSession() throws Exception {
        try (Connection su = SERVER.connect()) {
            exec(su, "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = E'evil\\x1b[2J\\x1b]0;owned\\x07\\nERROR forged') "
                    + "THEN CREATE ROLE \"" + ROLE + "\" LOGIN PASSWORD 'pw-evil'; END IF; END $$");
        }
        Properties p = new Properties();
        p.setProperty("user", ROLE);
        p.setProperty("password", "pw-evil");
        p.setProperty("ApplicationName", APP);
        return DriverManager.getConnection(SERVER.jdbcUrl(), p);
    }

    private static void assertNoRawControl(String text) {
        assertThat(text.chars().filter(c -> (c < 0x20 && c != '\n') || c == 0x7f || (c >= 0x80 && c <= 0x9f)))
                .as("raw control characters in:%n%s", text).isEmpty();
        assertThat(text).doesNotContain("\nERROR forged").doesNotContain("\n  ERROR forged");
    }

    @Test
    void diagnoseShowsHostileRoleAppAndQueryEscaped() throws Exception {
        try (LockSessions s = new LockSessions(SERVER); Connection evil = hostileSession()) {
            exec(evil, "SELECT pg_advisory_lock(7601) /* \u001b[2J\u001b]52;c;cm0gLXJmIH4=\u0007 */");
            Connection waiter = s.open("waiter");
            s.blockOn(waiter, "SELECT pg_advisory_lock(7601)");

            CliRun r = CliRun.run(CliRun.env(SERVER), "diagnose", "--url", SERVER.jdbcUrl(), "--all", "--verbose");

            assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(1);
            assertThat(r.out()).contains(String.valueOf(pid(evil)), "evil\\x1b[2J");
            assertNoRawControl(r.out());
            assertNoRawControl(r.err());
            evil.close();
        }
    }

    @Test
    void releaseShowsHostileQueryAndRoleEscapedBeforeAsking() throws Exception {
        try (LockSessions s = new LockSessions(SERVER); Connection evil = hostileSession()) {
            int pid = pid(evil);
            // Literals leave as placeholders; a quoted identifier is kept, so the sequence is put there.
            exec(evil, "SELECT pg_advisory_lock(7602) AS \"\u001b]0;pwned\u0007\u001b[1A\u001b[2K\"");

            CliRun r = CliRun.run(CliRun.env(SERVER), "release", "--url", SERVER.jdbcUrl(), "--pid",
                    String.valueOf(pid), "--dry-run");

            assertThat(r.out()).as(r.out() + r.err()).contains("pid " + pid, "app 'app\\x1b[31mred",
                    "user evil\\x1b[2J\\x1b]0;owned\\x07\\nERROR forged", "\\x1b]0;pwned\\x07\\x1b[1A");
            assertNoRawControl(r.out());
            assertNoRawControl(r.err());
            assertThat(s.alive(pid)).as("dry run").isTrue();
        }
    }
}
