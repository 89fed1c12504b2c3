package io.lockwarden.inspect;

import static io.lockwarden.testkit.fixture.LockSessions.exec;
import static org.assertj.core.api.Assertions.assertThat;

import io.lockwarden.LockKey;
import io.lockwarden.inspect.rules.PgBouncerResetQuerySkippedRule;
import io.lockwarden.inspect.rules.PgBouncerSharedConnectionLockRule;
import io.lockwarden.testkit.fixture.PgBouncer;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

class PgBouncerLeakTest {

    @Test
    void sessionLockLeftOnATransactionPooledConnectionOfAStockPgBouncerIsLinkedByRemotePidAndFlagged() throws Exception {
        PostgresServer server = PostgresServer.shared();
        try (PgBouncer bouncer = PgBouncer.builder(server).poolMode(PgBouncer.PoolMode.TRANSACTION).poolSize(1).start()) {
            int backend;
            try (Connection client = bouncer.connect(); Statement st = client.createStatement();
                 ResultSet rs = st.executeQuery("SELECT pg_backend_pid(), pg_advisory_lock(880088)")) {
                rs.next();
                backend = rs.getInt(1);
            }
            // the client is gone; the lock is still held by the pooled server connection
            try (Connection other = bouncer.connect(); Statement st = other.createStatement();
                 ResultSet rs = st.executeQuery("SELECT pg_backend_pid(), pg_try_advisory_lock(880088)")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(backend);
                assertThat(rs.getBoolean(2)).as("the next client 'gets' the leaked lock too").isTrue();
            }
            try (Connection probe = server.connect(); Statement st = probe.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = "
                         + backend)) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(1);
            }

            Diagnosis d = Inspector.builder(server.dataSource()).pgBouncer(bouncer.consoleSettings()).build().diagnose();

            PgBouncerView view = d.snapshot().pgBouncer().orElseThrow();
            assertThat(view.serverByRemotePid(backend)).hasValueSatisfying(s -> {
                assertThat(s.poolMode()).isEqualTo("transaction");
                assertThat(s.database()).isEqualTo("postgres");
            });
            assertThat(view.configValue("server_reset_query_always")).contains("0");
            assertThat(d.findings(PgBouncerSharedConnectionLockRule.ID)).singleElement().satisfies(f -> {
                assertThat(f.severity()).isEqualTo(Severity.ERROR);
                assertThat(f.pids()).containsExactly(backend);
                assertThat(f.keys()).containsExactly(LockKey.of(880088));
                assertThat(f.message()).contains("mutual exclusion is broken");
                assertThat(f.verdicts()).containsExactly(new TerminationVerdict(backend, true, null));
            });
            assertThat(d.findings(PgBouncerResetQuerySkippedRule.ID)).singleElement()
                    .extracting(Finding::severity).isEqualTo(Severity.WARNING);
            try (Connection su = server.connect()) {
                exec(su, "SELECT pg_terminate_backend(" + backend + ", 5000)");
            }
        }
    }

    @Test
    void sessionPoolingWithResetQueryIsNotFlagged() throws Exception {
        PostgresServer server = PostgresServer.shared();
        try (PgBouncer bouncer = PgBouncer.builder(server).poolMode(PgBouncer.PoolMode.SESSION).poolSize(1).start();
             Connection client = bouncer.connect()) {
            exec(client, "SELECT pg_advisory_lock(880089)");
            Diagnosis d = Inspector.builder(server.dataSource()).pgBouncer(bouncer.consoleSettings()).build().diagnose();
            assertThat(d.snapshot().pgBouncer().orElseThrow().servers()).isNotEmpty();
            assertThat(d.findings(PgBouncerSharedConnectionLockRule.ID)).isEmpty();
            assertThat(d.findings(PgBouncerResetQuerySkippedRule.ID)).isEmpty();
        }
    }
}
