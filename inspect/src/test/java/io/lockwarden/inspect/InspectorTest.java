package io.lockwarden.inspect;

import static io.lockwarden.testkit.fixture.LockSessions.exec;
import static io.lockwarden.testkit.fixture.LockSessions.pid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockwarden.LockKey;
import io.lockwarden.inspect.rules.BackendHoldsManyLocksRule;
import io.lockwarden.inspect.rules.BlockedWaitersRule;
import io.lockwarden.inspect.rules.IdleInTransactionHoldsLocksRule;
import io.lockwarden.inspect.rules.IdleSessionHoldsLocksRule;
import io.lockwarden.inspect.rules.LockTimeoutDisabledRule;
import io.lockwarden.inspect.rules.RuleOptions;
import io.lockwarden.testkit.fixture.LockSessions;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class InspectorTest {

    private static final RuleOptions NO_GRACE = RuleOptions.defaults().withIdleThreshold(Duration.ZERO);

    private static Inspector inspector(PostgresServer server) {
        return Inspector.builder(server.dataSource()).options(NO_GRACE).build();
    }

    private static List<Finding> about(Diagnosis d, String rule, int pid) {
        return d.findings(rule).stream().filter(f -> f.pids().contains(pid)).toList();
    }

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {14, 18})
    void idleSessionHoldingBothKeyFormsIsReportedAsLeakedAndSafeToEnd(int version) throws Exception {
        PostgresServer server = PostgresServer.shared(version);
        try (LockSessions sessions = new LockSessions(server)) {
            Connection leaker = sessions.open("leaky-worker");
            exec(leaker, "SELECT pg_advisory_lock(42), pg_advisory_lock(-7), pg_advisory_lock(1, -2)");
            int pid = pid(leaker);
            assertThat(sessions.heldInPgLocks(pid)).isEqualTo(3);

            Diagnosis d = inspector(server).diagnose();

            assertThat(d.snapshot().serverVersionNum() / 10000).isEqualTo(version);
            assertThat(d.snapshot().heldBy(pid)).extracting(AdvisoryLockRow::key)
                    .containsExactlyInAnyOrder(LockKey.of(42), LockKey.of(-7), LockKey.of(1, -2));
            assertThat(d.snapshot().heldBy(pid)).allSatisfy(l -> {
                assertThat(l.mode()).isEqualTo("ExclusiveLock");
                assertThat(l.database()).isEqualTo("postgres");
            });
            SessionInfo s = d.snapshot().session(pid).orElseThrow();
            assertThat(s.state()).isEqualTo("idle");
            assertThat(s.applicationName()).isEqualTo("leaky-worker");
            assertThat(s.user()).isEqualTo("postgres");
            assertThat(s.backendType()).isEqualTo("client backend");
            assertThat(s.detailsVisible()).isTrue();
            assertThat(d.snapshot().visibility().seesAllSessions()).isTrue();
            assertThat(d.snapshot().settings().value("max_locks_per_transaction")).contains("64");

            List<Finding> f = about(d, IdleSessionHoldsLocksRule.ID, pid);
            assertThat(f).hasSize(1);
            assertThat(f.get(0).severity()).isEqualTo(Severity.WARNING);
            assertThat(f.get(0).keys()).hasSize(3);
            assertThat(f.get(0).message()).contains("idle", "leaky-worker", "42", "(1,-2)");
            assertThat(f.get(0).verdicts()).containsExactly(new TerminationVerdict(pid, true, null));
            assertThat(d.findings(LockTimeoutDisabledRule.ID)).singleElement()
                    .extracting(Finding::severity).isEqualTo(Severity.INFO);
        }
    }

    @Test
    void idleHolderBelowTheThresholdIsOnlyInformation() throws Exception {
        PostgresServer server = PostgresServer.shared();
        try (LockSessions sessions = new LockSessions(server)) {
            Connection holder = sessions.open("leader");
            exec(holder, "SELECT pg_advisory_lock(4242)");
            int pid = pid(holder);
            Diagnosis d = Inspector.of(server.dataSource()).diagnose();
            assertThat(about(d, IdleSessionHoldsLocksRule.ID, pid)).singleElement()
                    .extracting(Finding::severity).isEqualTo(Severity.INFO);
        }
    }

    @Test
    void inspectorWithoutDataSourceReadsOverTheCallersConnectionOnly() throws Exception {
        PostgresServer server = PostgresServer.shared();
        try (LockSessions sessions = new LockSessions(server)) {
            Connection holder = sessions.open("leader");
            exec(holder, "SELECT pg_advisory_lock(4343)");
            int pid = pid(holder);
            Inspector inspector = Inspector.builder().build();
            try (Connection reader = server.connect("reader")) {
                assertThat(inspector.snapshot(reader).heldBy(pid)).extracting(AdvisoryLockRow::key)
                        .containsExactly(LockKey.of(4343L));
            }
            assertThatThrownBy(inspector::snapshot).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("snapshot(Connection)");
        }
    }

    @Test
    void idleInTransactionHolderWithoutWritesIsSafeToEnd() throws Exception {
        PostgresServer server = PostgresServer.shared();
        try (LockSessions sessions = new LockSessions(server)) {
            Connection c = sessions.open("reader-app");
            c.setAutoCommit(false);
            exec(c, "SELECT pg_advisory_xact_lock(501)");
            int pid = pid(c);
            assertThat(sessions.heldInPgLocks(pid)).isEqualTo(1);

            Diagnosis d = inspector(server).diagnose();

            SessionInfo s = d.snapshot().session(pid).orElseThrow();
            assertThat(s.state()).isEqualTo("idle in transaction");
            assertThat(s.backendXid()).isNull();
            Finding f = about(d, IdleInTransactionHoldsLocksRule.ID, pid).get(0);
            assertThat(f.severity()).isEqualTo(Severity.WARNING);
            assertThat(f.evidence()).containsEntry("uncommitted_writes", false);
            assertThat(f.verdicts()).containsExactly(new TerminationVerdict(pid, true, null));
            assertThat(about(d, IdleSessionHoldsLocksRule.ID, pid)).isEmpty();
        }
    }

    @Test
    void idleInTransactionHolderWithUncommittedWritesIsUnsafeToEnd() throws Exception {
        PostgresServer server = PostgresServer.shared();
        try (LockSessions sessions = new LockSessions(server)) {
            Connection c = sessions.open("writer-app");
            exec(c, "CREATE TABLE IF NOT EXISTS inspector_writes (id int)");
            c.setAutoCommit(false);
            exec(c, "SELECT pg_advisory_xact_lock(502)");
            exec(c, "INSERT INTO inspector_writes VALUES (1)");
            int pid = pid(c);

            Diagnosis d = inspector(server).diagnose();

            assertThat(d.snapshot().session(pid).orElseThrow().backendXid()).isNotNull();
            Finding f = about(d, IdleInTransactionHoldsLocksRule.ID, pid).get(0);
            assertThat(f.evidence()).containsEntry("uncommitted_writes", true);
            assertThat(f.verdicts()).singleElement().satisfies(v -> {
                assertThat(v.safe()).isFalse();
                assertThat(v.risk()).contains("uncommitted writes");
            });
            assertThat(f.fix()).contains("commit or roll back");
        }
    }

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {14, 18})
    void waiterChainIsGroupedUnderItsRootBlocker(int version) throws Exception {
        PostgresServer server = PostgresServer.shared(version);
        try (LockSessions sessions = new LockSessions(server)) {
            Connection c = sessions.open("chain-c");
            Connection b = sessions.open("chain-b");
            Connection a = sessions.open("chain-a");
            int pa = pid(a);
            int pb = pid(b);
            int pc = pid(c);
            exec(c, "SELECT pg_advisory_lock(9002)");
            exec(b, "SELECT pg_advisory_lock(9001)");
            sessions.blockOn(b, "SELECT pg_advisory_lock(9002)");
            sessions.blockOn(a, "SELECT pg_advisory_lock(9001)");

            Diagnosis d = inspector(server).diagnose();

            assertThat(d.snapshot().session(pa).orElseThrow().blockingPids()).containsExactly(pb);
            assertThat(d.snapshot().session(pb).orElseThrow().blockingPids()).containsExactly(pc);
            assertThat(d.snapshot().session(pb).orElseThrow().waitEvent()).isEqualTo("advisory");
            assertThat(d.snapshot().waiters()).extracting(AdvisoryLockRow::pid).contains(pa, pb);
            List<Finding> chain = d.findings(BlockedWaitersRule.ID).stream().filter(f -> f.pids().contains(pc)).toList();
            assertThat(chain).singleElement().satisfies(f -> {
                assertThat(f.pids()).containsExactly(pc, pb, pa);
                assertThat(f.severity()).isEqualTo(Severity.ERROR);
                assertThat(f.keys()).containsExactlyInAnyOrder(LockKey.of(9001), LockKey.of(9002));
                assertThat(f.evidence()).containsEntry("root_blocker", pc);
                assertThat(f.verdicts()).containsExactly(new TerminationVerdict(pc, true, null));
            });
            assertThat(about(d, IdleSessionHoldsLocksRule.ID, pc)).singleElement().satisfies(f -> {
                assertThat(f.severity()).isEqualTo(Severity.ERROR);
                assertThat(f.pids()).containsExactly(pc, pb, pa);
            });
            assertThat(d.snapshot().terminationVerdict(pb).risk()).contains("running a query");
        }
    }

    @Test
    void namedKeysAreShownByNameAndNamespace() throws Exception {
        PostgresServer server = PostgresServer.shared();
        LockKey invoice = LockKey.named("billing", "invoice-42");
        LockKey unknown = LockKey.named("billing", "something-else");
        try (LockSessions sessions = new LockSessions(server)) {
            Connection c = sessions.open("billing-app");
            exec(c, "SELECT pg_advisory_lock(" + invoice.sqlArguments() + "), pg_advisory_lock("
                    + unknown.sqlArguments() + ")");
            int pid = pid(c);
            Snapshot s = Inspector.builder(server.dataSource()).namespace("billing").knownKey(invoice).build().snapshot();
            Set<String> labels = s.heldBy(pid).stream().map(AdvisoryLockRow::label).collect(Collectors.toSet());
            assertThat(labels).containsExactlyInAnyOrder("billing/invoice-42", "billing/#" + unknown.key2());
            assertThat(s.heldBy(pid)).allSatisfy(l -> assertThat(l.namespace()).isEqualTo("billing"));

            Snapshot plain = Inspector.of(server.dataSource()).snapshot();
            assertThat(plain.heldBy(pid)).extracting(AdvisoryLockRow::label)
                    .contains("(" + invoice.key1() + "," + invoice.key2() + ")");
        }
    }

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {14, 18})
    void snapshotFromOneScanOfPgLocksHasEveryAdvisoryRowAndOnlyTheirSessions(int version) throws Exception {
        PostgresServer server = PostgresServer.shared(version);
        try (LockSessions sessions = new LockSessions(server)) {
            int ns = LockKey.hash("eleven");
            Connection holder = sessions.open("holder");
            exec(holder, "SELECT pg_advisory_lock(" + ns + ", k) FROM generate_series(1, 7) k");
            exec(holder, "SELECT pg_advisory_lock_shared(99)");
            Connection bystander = sessions.open("bystander-without-locks");
            exec(bystander, "SELECT 1");
            Connection waiter = sessions.open("waiter");
            int holderPid = pid(holder);
            int waiterPid = pid(waiter);
            sessions.blockOn(waiter, "SELECT pg_advisory_lock(" + ns + ", 3)");

            Diagnosis d = Inspector.builder(server.dataSource()).namespace("eleven").options(NO_GRACE).build()
                    .diagnose();
            Snapshot s = d.snapshot();
            assertThat(s.heldBy(holderPid)).hasSize(sessions.heldInPgLocks(holderPid)).hasSize(8);
            assertThat(s.waiters()).singleElement().satisfies(w -> {
                assertThat(w.pid()).isEqualTo(waiterPid);
                assertThat(w.key()).isEqualTo(LockKey.of(ns, 3));
                assertThat(w.waitStart()).isNotNull();
            });
            assertThat(s.sessions()).extracting(SessionInfo::pid).containsExactlyInAnyOrder(holderPid, waiterPid);
            assertThat(s.session(waiterPid)).get().extracting(SessionInfo::blockingPids)
                    .isEqualTo(List.of(holderPid));
            // the shared lock table holds at least every advisory row (they never take a fast-path slot)
            assertThat(s.lockTableEntries()).isGreaterThanOrEqualTo(9);
            assertThat(s.heldBy(holderPid)).filteredOn(AdvisoryLockRow::shared).singleElement()
                    .extracting(AdvisoryLockRow::mode).isEqualTo("ShareLock");
            assertThat(d.findings(IdleSessionHoldsLocksRule.ID)).singleElement().satisfies(f -> assertThat(f.message())
                    .contains("99, eleven/#1, eleven/#2, eleven/#3, eleven/#4, … (8 keys)"));
        }
    }

    @Test
    void backendHoldingMoreThanItsShareOfTheLockTableIsReported() throws Exception {
        PostgresServer server = PostgresServer.shared();
        try (LockSessions sessions = new LockSessions(server)) {
            Connection c = sessions.open("loop-locker");
            exec(c, "SELECT pg_advisory_lock(k) FROM generate_series(100000, 100099) k");
            int pid = pid(c);
            assertThat(sessions.heldInPgLocks(pid)).isEqualTo(100);
            Diagnosis d = Inspector.of(server.dataSource()).diagnose();
            assertThat(about(d, BackendHoldsManyLocksRule.ID, pid)).singleElement().satisfies(f -> {
                assertThat(f.evidence()).containsEntry("lock_count", 100);
                assertThat(f.keys()).hasSize(50);
            });
        }
    }

    @Test
    void everyLiteralInTheLastQueryIsAPlaceholderUnlessTheFullTextIsAskedFor() throws Exception {
        PostgresServer server = PostgresServer.shared();
        try (LockSessions sessions = new LockSessions(server)) {
            Connection c = sessions.open("role-admin");
            exec(c, "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'redact_me') THEN "
                    + "CREATE ROLE redact_me; END IF; END $$");
            int pid = pid(c);
            exec(c, "SELECT pg_advisory_lock(909)");
            // the forms a password pattern missed (issue 21), each run for real on the server
            String[][] cases = {
                {"ALTER ROLE redact_me PASSWORD 'quote-secret'", "ALTER ROLE redact_me PASSWORD $1"},
                {"ALTER ROLE redact_me PASSWORD $$dollar-secret$$", "ALTER ROLE redact_me PASSWORD $1"},
                {"ALTER ROLE redact_me PASSWORD $pw$tag-secret$pw$", "ALTER ROLE redact_me PASSWORD $1"},
                {"ALTER ROLE redact_me PASSWORD E'e-secret\\''", "ALTER ROLE redact_me PASSWORD $1"},
                {"ALTER ROLE redact_me PASSWORD U&'u-secret\\0041'", "ALTER ROLE redact_me PASSWORD $1"},
                {"ALTER ROLE redact_me PASSWORD /* new one */ 'comment-secret'",
                    "ALTER ROLE redact_me PASSWORD /* new one */ $1"},
                {"SELECT 'host=db password=conninfo-secret'::text AS \"conninfo\", 42, 1e5",
                    "SELECT $1::text AS \"conninfo\", $2, $3"},
            };
            Inspector masked = Inspector.of(server.dataSource());
            Inspector whole = Inspector.builder(server.dataSource()).fullQueryText(true).build();
            for (String[] sample : cases) {
                exec(c, sample[0]);
                Snapshot snapshot = masked.snapshot();
                assertThat(snapshot.session(pid).orElseThrow().query()).isEqualTo(sample[1]).doesNotContain("secret");
                assertThat(whole.snapshot().session(pid).orElseThrow().query()).isEqualTo(sample[0]);
            }
        }
    }
}
