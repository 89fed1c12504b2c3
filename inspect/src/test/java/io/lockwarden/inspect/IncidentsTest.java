package io.lockwarden.inspect;

import static io.lockwarden.testkit.fixture.LockSessions.exec;
import static io.lockwarden.testkit.fixture.LockSessions.pid;
import static org.assertj.core.api.Assertions.assertThat;

import io.lockwarden.LockKey;
import io.lockwarden.inspect.rules.RuleOptions;
import io.lockwarden.testkit.fixture.LockSessions;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Findings that share a root cause and a remedy come back from diagnose() as one incident with one command. */
class IncidentsTest {
    private static final PostgresServer SERVER = PostgresServer.shared();

    @Test
    void leakedIdleHoldersAreOneIncidentOrderedByImpactWithOneCommandAndTheWriterIsApart() throws Exception {
        try (LockSessions s = new LockSessions(SERVER)) {
            Connection quiet = s.open("leak-quiet");
            Connection blocking = s.open("leak-blocking");
            Connection writer = s.open("writer");
            Connection waiter = s.open("waiter");
            int pQuiet = pid(quiet);
            int pBlocking = pid(blocking);
            int pWriter = pid(writer);
            int pWaiter = pid(waiter);
            exec(quiet, "SELECT pg_advisory_lock(7701), pg_advisory_lock(7702), pg_advisory_lock(7703)");
            blocking.setAutoCommit(false);
            exec(blocking, "SELECT pg_advisory_lock(7801)");
            blocking.rollback();
            exec(writer, "CREATE TABLE IF NOT EXISTS incident_writes (id int)");
            writer.setAutoCommit(false);
            exec(writer, "SELECT pg_advisory_xact_lock(7901)");
            exec(writer, "INSERT INTO incident_writes VALUES (1)");
            s.blockOn(waiter, "SELECT pg_advisory_lock(7801)");

            Diagnosis d = Inspector.builder(SERVER.dataSource())
                    .options(RuleOptions.defaults().withIdleThreshold(Duration.ZERO)).build().diagnose();

            List<Incident> mine = d.incidents().stream().filter(i -> i.holders().stream()
                    .anyMatch(h -> List.of(pQuiet, pBlocking, pWriter).contains(h.pid()))).toList();
            assertThat(mine).hasSize(2);
            Incident leak = mine.get(0);
            assertThat(leak.kind()).isEqualTo(Incident.Kind.IDLE_SESSION_LOCKS);
            assertThat(leak.severity()).isEqualTo(Severity.ERROR);
            assertThat(leak.holders()).extracting(IncidentHolder::pid).containsExactly(pBlocking, pQuiet);
            assertThat(leak.summary()).isEqualTo("2 idle sessions hold 4 session-level advisory locks (no transaction "
                    + "open: leaked); 1 session waits behind them");
            assertThat(leak.waiterPids()).containsExactly(pWaiter);
            assertThat(leak.remedy().command()).isEqualTo("lockwarden release --pid " + pBlocking + "," + pQuiet);
            assertThat(leak.holders().get(1).keysText()).isEqualTo("7701-7703");
            assertThat(leak.holders().get(0).causes()).extracting(Incident.Cause::code)
                    .containsExactly("rolled-back", "idle-session");
            assertThat(leak.holders().get(0).causes().get(0).confidence()).isEqualTo(Incident.Confidence.LIKELY);
            assertThat(leak.findings()).extracting(Finding::rule)
                    .contains("idle-session-holds-locks", "waiters-blocked");

            Incident tx = mine.get(1);
            assertThat(tx.kind()).isEqualTo(Incident.Kind.IDLE_IN_TRANSACTION);
            assertThat(tx.remedy().action()).isEqualTo("none");
            assertThat(tx.unsafeHolders()).singleElement().satisfies(h -> {
                assertThat(h.pid()).isEqualTo(pWriter);
                assertThat(h.verdict().risk()).contains("uncommitted writes");
                assertThat(h.instead()).contains("commit or roll back", "--force");
            });
            assertThat(d.advice()).allSatisfy(f -> assertThat(f.pids()).isEmpty());
        }
    }

    @Test
    void keysAreCompactedIntoRuns() {
        List<LockKey> keys = List.of(LockKey.of(5), LockKey.of(3), LockKey.of(4), LockKey.of(9), LockKey.of(1, 2),
                LockKey.of(1, 3), LockKey.of(2, 7));
        assertThat(KeyRanges.compact(keys, LockKey::label, 10)).isEqualTo("3-5, 9, (1,2-3), (2,7)");
        assertThat(KeyRanges.compact(keys, LockKey::label, 2)).isEqualTo("3-5, 9, … (7 keys)");
    }
}
