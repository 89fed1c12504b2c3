package io.lockwarden.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockwarden.testkit.fixture.LockSessions;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * The {@code jdbc:lockwarden:postgresql:} driver: found by {@link DriverManager} without any setup, the rest of
 * the URL and the properties reach pgjdbc unchanged, bad guard settings fail in one line without the password,
 * and the warning about a session lock inside a transaction comes once per call site.
 */
class DriverTest {
    private static final PostgresServer SERVER = PostgresServer.shared();

    private static Properties credentials() {
        Properties p = new Properties();
        p.setProperty("user", PostgresServer.SUPERUSER);
        p.setProperty("password", SERVER.password());
        return p;
    }

    @Test
    void driverManagerFindsTheDriverAndPgjdbcGetsTheRestOfTheUrl() throws Exception {
        String url = "jdbc:lockwarden:" + SERVER.jdbcUrl().substring("jdbc:".length()) + "?ApplicationName=from-url";
        try (Connection c = DriverManager.getConnection(url, credentials()); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT current_setting('application_name')")) {
            assertThat(c.isWrapperFor(org.postgresql.PGConnection.class)).isTrue();
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("from-url");
        }
        assertThat(DriverManager.getDriver(url)).isInstanceOf(Driver.class);
        assertThat(new Driver().acceptsURL(SERVER.jdbcUrl())).as("plain pgjdbc URLs stay pgjdbc's").isFalse();
    }

    @Test
    void aBadGuardSettingFailsTheConnectInOneLineWithoutThePassword() {
        String url = "jdbc:lockwarden:" + SERVER.jdbcUrl().substring("jdbc:".length()) + "?lockwarden.mode=loud";
        assertThatThrownBy(() -> DriverManager.getConnection(url, credentials()))
                .isInstanceOf(SQLException.class)
                .hasMessage("lockwarden.mode must be release, report or fail-fast, got 'loud'")
                .hasMessageNotContaining(SERVER.password());
    }

    @Test
    void aBadPoolerSettingFailsTheConnectInOneLineNamingTheValues() {
        String url = "jdbc:lockwarden:" + SERVER.jdbcUrl().substring("jdbc:".length()) + "?lockwarden.pooler=pgbouncer";
        assertThatThrownBy(() -> DriverManager.getConnection(url, credentials()))
                .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("22023"))
                .hasMessage("lockwarden.pooler must be none, session or transaction, got 'pgbouncer'")
                .hasMessageNotContaining(SERVER.password());
    }

    @Test
    void aSessionLockInsideATransactionIsWarnedOncePerCallSiteWithTheFix() throws Exception {
        String url = "jdbc:lockwarden:" + SERVER.jdbcUrl().substring("jdbc:".length()) + "?lockwarden.releaseTimeout=7";
        PrintStream stderr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try (LockSessions probe = new LockSessions(SERVER)) {
            for (int i = 0; i < 3; i++) {
                try (Connection c = DriverManager.getConnection(url, credentials())) {
                    c.setAutoCommit(false);
                    lockInTransaction(c, 400 + i);
                    c.rollback();
                    int pid = Pools.pid(c);
                    assertThat(probe.heldInPgLocks(pid)).as("session lock outlives the rollback").isEqualTo(1);
                    c.close();
                    assertThat(probe.heldInPgLocks(pid)).isZero();
                }
            }
        } finally {
            System.setErr(stderr);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        String warning = "taken inside an open transaction at " + getClass().getName() + ".lockInTransaction";
        assertThat(log.split(java.util.regex.Pattern.quote(warning), -1)).as("warned once").hasSize(2);
        assertThat(log).contains("Use pg_advisory_xact_lock instead");
    }

    private static void lockInTransaction(Connection c, long key) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SELECT pg_advisory_lock(" + key + ")");
        }
    }
}
