package io.lockwarden.cli;

import static io.lockwarden.testkit.fixture.LockSessions.exec;
import static io.lockwarden.testkit.fixture.LockSessions.pid;
import static org.assertj.core.api.Assertions.assertThat;

import io.lockwarden.testkit.fixture.LockSessions;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * Issue 22.1: a ROLLBACK anywhere in the last (multi-statement) query is the cause; idle holders that share a
 * client and role without --pgbouncer get "a pooler is likely" and how to confirm it; COLUMNS is honoured.
 */
class DiagnoseTextTest {
    private static final PostgresServer SERVER = PostgresServer.shared();

    private static Connection simpleProtocol(String app) throws Exception {
        Properties p = new Properties();
        p.setProperty("user", PostgresServer.SUPERUSER);
        p.setProperty("password", SERVER.password());
        p.setProperty("ApplicationName", app);
        p.setProperty("preferQueryMode", "simple"); // the whole multi-statement string is one query, as psql sends it
        return DriverManager.getConnection(SERVER.jdbcUrl(), p);
    }

    @Test
    void rollbackAtTheEndOfAMultiStatementQueryIsTheCauseAndAPoolerIsSuggested() throws Exception {
        try (LockSessions s = new LockSessions(SERVER); Connection a = simpleProtocol("pooled-app");
             Connection b = simpleProtocol("pooled-app")) {
            int pa = pid(a);
            int pb = pid(b);
            exec(a, "BEGIN; SELECT pg_advisory_lock(7901); UPDATE pg_class SET relname = relname WHERE false; ROLLBACK");
            exec(b, "BEGIN; SELECT pg_advisory_lock(7902); ROLLBACK");
            Map<String, String> env = new java.util.HashMap<>(CliRun.env(SERVER));
            env.put("COLUMNS", "80");

            CliRun r = CliRun.run(env, "diagnose", "--url", SERVER.jdbcUrl(), "--idle-threshold", "0s");

            String flat = r.out().replaceAll("\\s*\\n\\s+", " ");
            assertThat(flat).as(r.out()).contains("taken in a transaction that rolled back (ROLLBACK)",
                    "a pooler is likely: 2 idle holders share client 127.0.0.1",
                    "confirm with --pgbouncer postgresql://127.0.0.1:6432/pgbouncer");
            assertThat(r.out()).contains(String.valueOf(pa), String.valueOf(pb));
            assertThat(r.out().lines().filter(l -> l.length() > 80)).as(r.out()).isEmpty();
        }
    }
}
