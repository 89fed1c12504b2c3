package io.lockwarden.cli;

import static io.lockwarden.testkit.fixture.LockSessions.exec;
import static io.lockwarden.testkit.fixture.LockSessions.pid;
import static org.assertj.core.api.Assertions.assertThat;

import io.lockwarden.testkit.fixture.LockSessions;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 21.5: release connected to database {@code shop} never ends a session of another database, and both the
 * plan and diagnose show the database; diagnose's fix command for that session connects to its database.
 */
class OtherDatabaseTest {
    private static final PostgresServer SERVER = PostgresServer.shared();

    @BeforeAll
    static void databases() throws Exception {
        try (Connection su = SERVER.connect(); Statement st = su.createStatement()) {
            for (String db : new String[] {"shop", "billing"}) {
                try (ResultSet rs = st.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + db + "'")) {
                    if (!rs.next()) {
                        st.execute("CREATE DATABASE " + db);
                    }
                }
            }
        }
    }

    private static Connection in(String database, String app) throws Exception {
        java.util.Properties p = new java.util.Properties();
        p.setProperty("user", PostgresServer.SUPERUSER);
        p.setProperty("password", SERVER.password());
        p.setProperty("ApplicationName", app);
        return DriverManager.getConnection(SERVER.jdbcUrl(database), p);
    }

    @Test
    void releaseConnectedToShopRefusesASessionOfAnotherDatabaseAndShowsTheDatabase() throws Exception {
        try (LockSessions s = new LockSessions(SERVER); Connection billing = in("billing", "billing-leak");
             Connection shop = in("shop", "shop-leak")) {
            exec(billing, "SELECT pg_advisory_lock(7701)");
            exec(shop, "SELECT pg_advisory_lock(7702)");
            int pBilling = pid(billing);
            int pShop = pid(shop);

            CliRun byPid = CliRun.run(CliRun.env(SERVER), "release", "--url", SERVER.jdbcUrl("shop"), "--pid",
                    String.valueOf(pBilling), "--yes");
            assertThat(byPid.exit()).as(byPid.out() + byPid.err()).isEqualTo(1);
            assertThat(byPid.out()).contains("pid " + pBilling, "database billing",
                    "REFUSED: it is in database 'billing', not 'shop'", "Nothing terminated.");
            assertThat(s.alive(pBilling)).isTrue();

            CliRun idle = CliRun.run(CliRun.env(SERVER), "release", "--url", SERVER.jdbcUrl("shop"),
                    "--idle-holders-older-than", "0s", "--yes");
            assertThat(idle.out()).as(idle.out() + idle.err()).contains("Released pid " + pShop, "database shop")
                    .doesNotContain("pid " + pBilling);
            assertThat(s.alive(pBilling)).isTrue();
            assertThat(s.alive(pShop)).isFalse();
            assertThat(s.locksInPgLocks(pBilling)).isEqualTo(1);
        }
    }

    @Test
    void diagnoseNamesTheOtherDatabaseAndItsFixConnectsThere() throws Exception {
        try (Connection billing = in("billing", "billing-leak2"); Connection shop = in("shop", "shop-leak2");
             Connection waiter = in("billing", "billing-waiter"); LockSessions s = new LockSessions(SERVER)) {
            exec(billing, "SELECT pg_advisory_lock(7711)");
            exec(shop, "SELECT pg_advisory_lock(7712)");
            int pBilling = pid(billing);
            int pShop = pid(shop);
            int pWaiter = pid(waiter);
            Thread t = new Thread(() -> {
                try {
                    exec(waiter, "SELECT pg_advisory_lock(7711)");
                } catch (Exception ignored) {
                    // ended by the test's cleanup
                }
            });
            t.start();
            try {
                waitUntilWaiting(pBilling);
                CliRun r = CliRun.run(CliRun.env(SERVER), "diagnose", "--url", SERVER.jdbcUrl("shop"),
                        "--idle-threshold", "0s");
                assertThat(r.out()).as(r.out() + r.err()).contains("(in database billing)");
                String fixBilling = r.out().lines().filter(l -> l.contains("fix:") && l.contains(String.valueOf(pBilling)))
                        .findFirst().orElseThrow();
                assertThat(fixBilling).contains("/billing").doesNotContain("/shop").doesNotContain(String.valueOf(pShop));
                assertThat(r.out().lines().filter(l -> l.contains("fix:") && l.contains(String.valueOf(pShop)))
                        .findFirst().orElseThrow()).contains("/shop").doesNotContain(String.valueOf(pBilling));
            } finally {
                try (Connection su = SERVER.connect(); Statement st = su.createStatement()) {
                    st.execute("SELECT pg_terminate_backend(" + pWaiter + ")");
                } catch (Exception ignored) {
                    // the waiter's connection is busy; its backend is ended through another session
                }
                t.join(5000);
            }
        }
    }

    private static void waitUntilWaiting(int holder) throws Exception {
        for (int i = 0; i < 100; i++) {
            try (Connection su = SERVER.connect(); Statement st = su.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")) {
                rs.next();
                if (rs.getInt(1) > 0) {
                    return;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no waiter behind " + holder);
    }
}
