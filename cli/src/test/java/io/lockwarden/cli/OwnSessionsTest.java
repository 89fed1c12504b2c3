package io.lockwarden.cli;

import static io.lockwarden.testkit.fixture.LockSessions.exec;
import static io.lockwarden.testkit.fixture.LockSessions.pid;
import static org.assertj.core.api.Assertions.assertThat;

import io.lockwarden.testkit.fixture.LockSessions;
import io.lockwarden.testkit.fixture.PostgresServer;
import io.lockwarden.watch.internal.LeaderElection;
import java.sql.Connection;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Issue 21.12: the watchdog's leader lock (the real {@link LeaderElection}) is Lockwarden's own session:
 * diagnose reports no incident for it and release never ends it, while an application that only borrows the
 * name is still diagnosed and released.
 */
class OwnSessionsTest {
    private static final PostgresServer SERVER = PostgresServer.shared();

    @Test
    void watchdogLeaderLockIsNeitherAnIncidentNorReleasedButAnImpostorIs() throws Exception {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(SERVER.jdbcUrl() + "?ApplicationName=" + LeaderElection.APPLICATION_NAME);
        ds.setUser(PostgresServer.SUPERUSER);
        ds.setPassword(SERVER.password());
        try (LeaderElection leader = new LeaderElection("test", ds, Duration.ofSeconds(30));
             LockSessions s = new LockSessions(SERVER)) {
            assertThat(leader.ensure()).isTrue();
            int leaderPid = leader.pid();
            assertThat(s.heldInPgLocks(leaderPid)).isEqualTo(1);
            Connection impostor = s.open("lockwarden-watch-leader");
            exec(impostor, "SELECT pg_advisory_lock(7801)");
            int impostorPid = pid(impostor);

            CliRun d = CliRun.run(CliRun.env(SERVER), "diagnose", "--url", SERVER.jdbcUrl(), "--idle-threshold", "0s");
            String incidents = d.out().substring(0, Math.max(0, d.out().indexOf("Not stuck")));
            assertThat(incidents).as(d.out()).contains(String.valueOf(impostorPid))
                    .doesNotContain(String.valueOf(leaderPid));
            assertThat(d.out()).contains("Not stuck", String.valueOf(leaderPid));

            CliRun byPid = CliRun.run(CliRun.env(SERVER), "release", "--url", SERVER.jdbcUrl(), "--pid",
                    String.valueOf(leaderPid), "--yes");
            assertThat(byPid.out()).as(byPid.out() + byPid.err()).contains("REFUSED", "Lockwarden's own session");
            assertThat(byPid.exit()).isEqualTo(1);

            CliRun idle = CliRun.run(CliRun.env(SERVER), "release", "--url", SERVER.jdbcUrl(),
                    "--idle-holders-older-than", "0s", "--yes");
            assertThat(idle.out()).as(idle.out() + idle.err()).contains("Released pid " + impostorPid)
                    .doesNotContain("pid " + leaderPid);
            assertThat(s.alive(leaderPid)).isTrue();
            assertThat(s.heldInPgLocks(leaderPid)).isEqualTo(1);
            assertThat(leader.isLeader()).isTrue();
        }
    }
}
