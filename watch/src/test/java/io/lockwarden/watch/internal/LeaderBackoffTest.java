package io.lockwarden.watch.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockwarden.testkit.fixture.LockSessions;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A replica whose leader-lock login keeps failing (here: a role with CONNECTION LIMIT 0 on a real server, as a
 * standby or pg_hba refusing the login would) backs off exponentially instead of logging in at every sample, and
 * says so once at WARN.
 */
class LeaderBackoffTest {

    @Test
    void aRefusedLeaderLoginIsRetriedWithExponentialBackOffAndWarnedOncePerChange() throws Exception {
        PostgresServer server = PostgresServer.shared();
        LockSessions.createRole(server, "leader_refused");
        try (Connection su = server.connect()) {
            LockSessions.exec(su, "ALTER ROLE leader_refused CONNECTION LIMIT 0");
        }
        PGSimpleDataSource real = new PGSimpleDataSource();
        real.setURL(server.jdbcUrl());
        real.setUser("leader_refused");
        real.setPassword("pw-leader_refused");
        real.setApplicationName(LeaderElection.APPLICATION_NAME);
        Counting counting = new Counting(real);

        PrintStream old = System.err;
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        LeaderElection election = new LeaderElection("standby", counting, Duration.ofSeconds(1),
                Duration.ofMillis(100), Clock.systemUTC());
        try {
            // 30 samples 100 ms apart: 30 logins without back-off
            long start = System.nanoTime();
            for (int i = 0; i < 30; i++) {
                assertThat(election.ensure()).isFalse();
                Thread.sleep(100);
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            // tries at 0, 0.1, 0.3, 0.7, 1.5, 3.1, 6.3 s ...: n tries need 0.1 * (2^(n-1) - 1) s
            int bound = (int) Math.floor(Math.log(elapsed / 0.1 + 1) / Math.log(2)) + 1;
            assertThat(counting.attempts.get()).as("logins in %.1f s of 30 samples", elapsed)
                    .isBetween(3, bound).isLessThan(10);
            assertThat(log.toString(StandardCharsets.UTF_8).lines()
                    .filter(l -> l.contains("WARN") && l.contains("cannot take the watchdog leader lock")))
                    .as(log.toString(StandardCharsets.UTF_8)).hasSize(1)
                    .allSatisfy(l -> assertThat(l).contains("too many connections for role")
                            .doesNotContain("pw-leader_refused"));

            try (Connection su = server.connect()) {
                LockSessions.exec(su, "ALTER ROLE leader_refused CONNECTION LIMIT -1");
            }
            long until = System.nanoTime() + 10_000_000_000L;
            boolean leads = false;
            while (!leads && System.nanoTime() < until) {
                leads = election.ensure();
                Thread.sleep(100);
            }
            assertThat(leads).as("leads once the login works again").isTrue();
            assertThat(election.failures()).isZero();
        } finally {
            election.close();
            System.setErr(old);
        }
    }

    /** Counts the logins it is asked for and passes them to a real data source. */
    private static final class Counting implements DataSource {
        final AtomicInteger attempts = new AtomicInteger();
        private final DataSource real;

        Counting(DataSource real) {
            this.real = real;
        }

        @Override
        public Connection getConnection() throws SQLException {
            attempts.incrementAndGet();
            return real.getConnection();
        }

        @Override
        public Connection getConnection(String u, String p) throws SQLException {
            attempts.incrementAndGet();
            return real.getConnection(u, p);
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {
        }

        @Override
        public void setLoginTimeout(int seconds) {
        }

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException();
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            throw new SQLException("not a wrapper");
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return false;
        }
    }
}
