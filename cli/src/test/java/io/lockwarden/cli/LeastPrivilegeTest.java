package io.lockwarden.cli;

import static io.lockwarden.testkit.fixture.LockSessions.exec;
import static io.lockwarden.testkit.fixture.LockSessions.pid;
import static org.assertj.core.api.Assertions.assertThat;

import io.lockwarden.testkit.fixture.LockSessions;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.sql.Connection;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 22.3 on a real server: roles with pg_monitor, with pg_signal_backend (and pg_monitor), and with neither,
 * facing an application role's leaked session (with a waiter behind it) and a superuser's leaked session. The fix
 * says what it needs, release says "will terminate" only for what the role may end and refuses the rest naming
 * what is missing, a mixed set ends the permitted sessions and refuses the others (exit 1), and the role without
 * pg_monitor is named in its advice and still sees the waiter and its key.
 */
class LeastPrivilegeTest {
    private static final PostgresServer SERVER = PostgresServer.shared();

    @BeforeAll
    static void roles() throws Exception {
        LockSessions.createRole(SERVER, "lp_app");
        LockSessions.createRole(SERVER, "lp_mon", "pg_monitor");
        LockSessions.createRole(SERVER, "lp_sig", "pg_monitor", "pg_signal_backend");
        LockSessions.createRole(SERVER, "lp_none");
    }

    private static CliRun as(String role, String... args) {
        String[] all = new String[args.length + 2];
        all[0] = args[0];
        all[1] = "--url";
        all[2] = SERVER.jdbcUrl();
        System.arraycopy(args, 1, all, 3, args.length - 1);
        return CliRun.run(Map.of("PGUSER", role, "PGPASSWORD", "pw-" + role), all);
    }

    @Test
    void eachRoleIsToldExactlyWhatItNeedsAndEndsOnlyWhatItMay() throws Exception {
        try (LockSessions s = new LockSessions(SERVER)) {
            Connection app = s.openAs("lp_app", "pw-lp_app", "lp-leaky-app");
            Connection su = s.open("lp-leaky-admin");
            Connection waiter = s.openAs("lp_app", "pw-lp_app", "lp-waiter");
            int pApp = pid(app);
            int pSu = pid(su);
            int pWaiter = pid(waiter);
            exec(app, "SELECT pg_advisory_lock(7951)");
            exec(su, "SELECT pg_advisory_lock(7952)");
            s.blockOn(waiter, "SELECT pg_advisory_lock(7951)");

            CliRun mon = as("lp_mon", "diagnose", "--idle-threshold", "0s");
            String monFlat = mon.out().replaceAll("\\s*\\n\\s+", " ");
            assertThat(monFlat).as(mon.out() + mon.err()).contains("needs pg_signal_backend for " + pApp
                    + ": role 'lp_mon' lacks it (GRANT pg_signal_backend TO lp_mon",
                    "needs a superuser for " + pSu + " (sessions of superuser roles): role 'lp_mon' cannot run it");

            CliRun monRelease = as("lp_mon", "release", "--pid", pApp + "," + pSu, "--yes");
            assertThat(monRelease.exit()).as(monRelease.out() + monRelease.err()).isEqualTo(1);
            assertThat(monRelease.out()).doesNotContain("will terminate")
                    .contains("REFUSED: role 'lp_mon' may not end a session of role 'lp_app': it needs pg_signal_backend "
                            + "(GRANT pg_signal_backend TO lp_mon)",
                            "REFUSED: it belongs to superuser role 'postgres', and only a superuser may end a superuser's "
                            + "session; role 'lp_mon' is not one", "Nothing terminated.");
            assertThat(s.alive(pApp)).isTrue();
            assertThat(s.alive(pSu)).isTrue();

            CliRun sigDiagnose = as("lp_sig", "diagnose", "--idle-threshold", "0s");
            assertThat(sigDiagnose.out()).doesNotContain("needs pg_signal_backend")
                    .contains("needs a superuser for " + pSu);

            CliRun none = as("lp_none", "diagnose", "--idle-threshold", "0s", "--verbose");
            assertThat(none.out()).as(none.out()).doesNotContain("<role>").contains("GRANT pg_monitor TO lp_none")
                    .containsPattern(pWaiter + " \\(lp-waiter\\) waits for 7951, held by " + pApp);

            CliRun sig = as("lp_sig", "release", "--pid", pApp + "," + pSu, "--yes");
            assertThat(sig.exit()).as(sig.out() + sig.err()).isEqualTo(1);
            assertThat(sig.out()).contains("will terminate: safe", "Released pid " + pApp,
                    "REFUSED: it belongs to superuser role 'postgres'");
            assertThat(s.alive(pApp)).isFalse();
            assertThat(s.alive(pSu)).isTrue();
            assertThat(s.heldInPgLocks(pSu)).isEqualTo(1);
        }
    }
}
