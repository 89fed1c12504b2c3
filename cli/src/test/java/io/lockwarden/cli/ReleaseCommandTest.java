package io.lockwarden.cli;

import static io.lockwarden.testkit.fixture.LockSessions.exec;
import static io.lockwarden.testkit.fixture.LockSessions.pid;
import static org.assertj.core.api.Assertions.assertThat;

import io.lockwarden.testkit.fixture.LockSessions;
import io.lockwarden.testkit.fixture.PostgresServer;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReleaseCommandTest {
    private static final PostgresServer SERVER = PostgresServer.shared();

    private static CliRun release(String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "release";
        all[1] = "--url";
        all[2] = SERVER.jdbcUrl();
        System.arraycopy(args, 0, all, 3, args.length);
        return CliRun.run(CliRun.env(SERVER), all);
    }

    @Test
    void releaseByPidTerminatesExactlyTheChosenSessionAndItsLocksAreGone() throws Exception {
        try (LockSessions s = new LockSessions(SERVER)) {
            Connection a = s.open("leaker-a");
            Connection b = s.open("holder-b");
            exec(a, "SELECT pg_advisory_lock(6001), pg_advisory_lock(6002)");
            exec(b, "SELECT pg_advisory_lock(6003)");
            int pa = pid(a);
            int pb = pid(b);
            assertThat(s.locksInPgLocks(pa)).isEqualTo(2);

            CliRun r = release("--pid", String.valueOf(pa), "--yes");

            assertThat(r.err()).isEmpty();
            assertThat(r.exit()).isZero();
            assertThat(r.out()).contains("pid " + pa + "  app 'leaker-a'", "holds 2 advisory lock(s): 6001, 6002",
                    "will terminate: safe", "Released pid " + pa + ": 2 lock(s) gone from pg_locks");
            assertThat(s.locksInPgLocks(pa)).isZero();
            assertThat(s.alive(pa)).isFalse();
            assertThat(s.locksInPgLocks(pb)).isEqualTo(1);
            assertThat(s.alive(pb)).isTrue();
        }
    }

    @Test
    void idleHoldersOlderThanEndsSafeOnesAndRefusesUncommittedWrites() throws Exception {
        try (LockSessions s = new LockSessions(SERVER)) {
            Connection idle = s.open("idle-holder");
            Connection writer = s.open("busy-writer");
            Connection reader = s.open("idle-reader-tx");
            exec(writer, "CREATE TABLE IF NOT EXISTS release_writes (id int)");
            exec(idle, "SELECT pg_advisory_lock(6101)");
            writer.setAutoCommit(false);
            exec(writer, "SELECT pg_advisory_xact_lock(6102)");
            exec(writer, "INSERT INTO release_writes VALUES (1)");
            reader.setAutoCommit(false);
            exec(reader, "SELECT pg_advisory_xact_lock(6103)");
            int pIdle = pid(idle);
            int pWriter = pid(writer);
            int pReader = pid(reader);

            CliRun r = release("--idle-holders-older-than", "0s", "--yes");

            assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(1);
            assertThat(r.out()).contains("pid " + pWriter, "REFUSED: it has uncommitted writes",
                    "Released pid " + pIdle, "Released pid " + pReader);
            assertThat(s.locksInPgLocks(pIdle)).isZero();
            assertThat(s.locksInPgLocks(pReader)).isZero();
            assertThat(s.locksInPgLocks(pWriter)).isEqualTo(1);
            assertThat(s.alive(pWriter)).isTrue();

            CliRun forced = release("--pid", String.valueOf(pWriter), "--yes", "--force");
            assertThat(forced.exit()).isZero();
            assertThat(forced.out()).contains("despite the risk (--force)");
            assertThat(s.locksInPgLocks(pWriter)).isZero();
        }
    }

    @Test
    void dryRunTerminatesNothing() throws Exception {
        try (LockSessions s = new LockSessions(SERVER)) {
            Connection a = s.open("dry");
            exec(a, "SELECT pg_advisory_lock(6201)");
            int pa = pid(a);
            CliRun r = release("--pid", String.valueOf(pa), "--dry-run");
            assertThat(r.exit()).isZero();
            assertThat(r.out()).contains("Dry run: would terminate 1 session(s): " + pa);
            assertThat(s.locksInPgLocks(pa)).isEqualTo(1);
        }
    }

    @Test
    void withoutATerminalAndWithoutYesNothingIsTerminated() throws Exception {
        try (LockSessions s = new LockSessions(SERVER)) {
            Connection a = s.open("no-tty");
            exec(a, "SELECT pg_advisory_lock(6301)");
            int pa = pid(a);
            CliRun r = release("--pid", String.valueOf(pa));
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err().strip().lines()).singleElement().asString().contains("--yes", "--dry-run");
            assertThat(s.locksInPgLocks(pa)).isEqualTo(1);
        }
    }

    @Test
    void onATerminalItAsksAndOnlyYesTerminates() throws Exception {
        try (LockSessions s = new LockSessions(SERVER)) {
            Connection a = s.open("asked");
            exec(a, "SELECT pg_advisory_lock(6401)");
            int pa = pid(a);
            String[] args = {"release", "--url", SERVER.jdbcUrl(), "--pid", String.valueOf(pa)};

            CliRun declined = CliRun.run(CliRun.env(SERVER), true, "n\n", null, args);
            assertThat(declined.exit()).isEqualTo(1);
            assertThat(declined.err()).contains("Terminate 1 session(s) (" + pa + ")? [y/N]");
            assertThat(declined.out()).contains("Aborted: nothing terminated.");
            assertThat(s.locksInPgLocks(pa)).isEqualTo(1);

            CliRun accepted = CliRun.run(CliRun.env(SERVER), true, "y\n", null, args);
            assertThat(accepted.exit()).isZero();
            assertThat(s.locksInPgLocks(pa)).isZero();
        }
    }

    @Test
    void unknownPidAndPidWithoutLocksAreErrors() throws Exception {
        CliRun r = release("--pid", "999999", "--yes");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("no session with pid 999999");
        try (LockSessions s = new LockSessions(SERVER)) {
            int pa = pid(s.open("lockless"));
            CliRun none = release("--pid", String.valueOf(pa), "--yes");
            assertThat(none.exit()).isEqualTo(2);
            assertThat(none.err()).contains("holds no advisory lock");
            assertThat(s.alive(pa)).isTrue();
        }
    }

    @Test
    void roleThatIsNotSuperuserIsToldASuperusersSessionNeedsOneAndTerminatesNothing() throws Exception {
        LockSessions.createRole(SERVER, "weak_releaser", "pg_monitor");
        try (LockSessions s = new LockSessions(SERVER)) {
            Connection a = s.open("superuser-job");
            exec(a, "SELECT pg_advisory_lock(6501)");
            int pa = pid(a);
            CliRun r = CliRun.run(Map.of("PGUSER", "weak_releaser", "PGPASSWORD", "pw-weak_releaser"),
                    "release", "--url", SERVER.jdbcUrl(), "--pid", String.valueOf(pa), "--yes");
            assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(1);
            assertThat(r.out()).contains("REFUSED: it belongs to superuser role 'postgres', and only a superuser may "
                    + "end a superuser's session; role 'weak_releaser' is not one", "Nothing terminated.")
                    .doesNotContain("will terminate");
            assertThat(s.locksInPgLocks(pa)).isEqualTo(1);
        }
    }

    @Test
    void roleWithPgSignalBackendIsNotToldToGetItForASuperusersSession() throws Exception {
        // member of pg_signal_backend, but the target is a superuser's session: only the server can say no
        LockSessions.createRole(SERVER, "signaller", "pg_monitor", "pg_signal_backend");
        try (LockSessions s = new LockSessions(SERVER)) {
            Connection a = s.open("superuser-job-2");
            exec(a, "SELECT pg_advisory_lock(6601)");
            int pa = pid(a);
            CliRun r = CliRun.run(Map.of("PGUSER", "signaller", "PGPASSWORD", "pw-signaller"),
                    "release", "--url", SERVER.jdbcUrl(), "--pid", String.valueOf(pa), "--yes");
            assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(1);
            assertThat(r.out()).contains("REFUSED: it belongs to superuser role 'postgres'", "role 'signaller' is not one")
                    .doesNotContain("will terminate").doesNotContain("pg_signal_backend TO signaller");
            assertThat(s.locksInPgLocks(pa)).isEqualTo(1);
        }
    }

    /** Standard input that runs {@code action} when the command first reads the answer, then answers "y". */
    private static InputStream answerAfter(SqlAction action) {
        return new InputStream() {
            private InputStream answer;

            @Override
            public int read() throws IOException {
                if (answer == null) {
                    try {
                        action.run();
                    } catch (Exception e) {
                        throw new IOException(e);
                    }
                    answer = new ByteArrayInputStream("y\n".getBytes(StandardCharsets.UTF_8));
                }
                return answer.read();
            }
        };
    }

    /** Something a test does on the server while the confirmation prompt is open. */
    @FunctionalInterface
    private interface SqlAction {
        void run() throws Exception;
    }

    @Test
    void pidListIsAcceptedAsDiagnosePrintsItAndRepeated() throws Exception {
        try (LockSessions s = new LockSessions(SERVER)) {
            Connection a = s.open("list-a");
            Connection b = s.open("list-b");
            Connection c = s.open("list-c");
            exec(a, "SELECT pg_advisory_lock(6701)");
            exec(b, "SELECT pg_advisory_lock(6702)");
            exec(c, "SELECT pg_advisory_lock(6703)");
            int pa = pid(a);
            int pb = pid(b);
            int pc = pid(c);

            CliRun r = release("--pid", pa + "," + pb, "--pid", String.valueOf(pc), "--yes");

            assertThat(r.exit()).as(r.out() + r.err()).isZero();
            assertThat(r.out()).contains("Released pid " + pa, "Released pid " + pb, "Released pid " + pc);
            assertThat(s.locksInPgLocks(pa) + s.locksInPgLocks(pb) + s.locksInPgLocks(pc)).isZero();
        }
    }

    @Test
    void holderThatBeginsWritingWhileThePromptIsOpenIsNotTerminatedAndItsWriteCommits() throws Exception {
        try (LockSessions s = new LockSessions(SERVER)) {
            Connection holder = s.open("starts-writing");
            Connection other = s.open("ends-meanwhile");
            int pHolder = pid(holder);
            int pOther = pid(other);
            exec(holder, "CREATE TABLE IF NOT EXISTS release_race (id int)");
            exec(holder, "SELECT pg_advisory_lock(6801)");
            exec(other, "SELECT pg_advisory_lock(6802)");
            String[] args = {"release", "--url", SERVER.jdbcUrl(), "--pid", pHolder + "," + pOther};

            CliRun r = CliRun.run(CliRun.env(SERVER), true, answerAfter(() -> {
                holder.setAutoCommit(false);
                exec(holder, "INSERT INTO release_race VALUES (6801)");
                other.close();
                for (int i = 0; i < 500 && s.alive(pOther); i++) {
                    Thread.sleep(20); // a closed connection's backend exits asynchronously
                }
            }), null, args);

            assertThat(r.err()).contains("Terminate 2 session(s)");
            assertThat(r.out()).contains("will terminate: safe")
                    .contains("Skipped pid " + pHolder + ": it changed since it was shown, so it was not terminated: "
                            + "began writing (backend_xid ")
                    .contains("Skipped pid " + pOther + ": it changed since it was shown, so it was not terminated: "
                            + "ended before termination");
            assertThat(r.exit()).isEqualTo(1);
            assertThat(s.alive(pHolder)).isTrue();
            assertThat(s.heldInPgLocks(pHolder)).isEqualTo(1);
            holder.commit();
            try (Connection probe = SERVER.connect("probe"); Statement st = probe.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM release_race WHERE id = 6801")) {
                rs.next();
                assertThat(rs.getInt(1)).as("the write committed after the release").isEqualTo(1);
            }
        }
    }

    @Test
    void preparedTransactionIsRolledBackOnlyWhenAskedExplicitlyAndConfirmed() throws Exception {
        try (PostgresServer twoPhase = PostgresServer.builder().setting("max_prepared_transactions", "2").start()) {
            try (Connection c = twoPhase.connect("coordinator")) {
                c.setAutoCommit(false);
                exec(c, "SELECT pg_advisory_xact_lock(6901)");
                exec(c, "PREPARE TRANSACTION 'tx-6901'");
                c.setAutoCommit(true);
            }
            CliRun json = CliRun.run(CliRun.env(twoPhase), "diagnose", "--url", twoPhase.jdbcUrl(), "--format", "json");
            assertThat(json.exit()).isEqualTo(1);
            JsonNode doc = DiagnoseJsonSchemaTest.validated(json);
            assertThat(doc.at("/prepared_transactions/0/gid").asText()).isEqualTo("tx-6901");
            assertThat(doc.at("/prepared_transactions/0/locks/0/key/bigint").asLong()).isEqualTo(6901);
            assertThat(doc.at("/incidents/0/kind").asText()).isEqualTo("prepared-transaction");

            CliRun text = CliRun.run(CliRun.env(twoPhase), "diagnose", "--url", twoPhase.jdbcUrl());
            assertThat(text.out()).contains("prepared transaction 'tx-6901' holds 1 advisory lock with no session",
                    "fix: lockwarden release --rollback-prepared tx-6901", "COMMIT PREPARED 'tx-6901'");

            String[] args = {"release", "--url", twoPhase.jdbcUrl(), "--rollback-prepared", "tx-6901"};
            CliRun noTty = CliRun.run(CliRun.env(twoPhase), args);
            assertThat(noTty.exit()).isEqualTo(2);
            assertThat(noTty.err()).contains("--yes");
            CliRun declined = CliRun.run(CliRun.env(twoPhase), true, "n\n", null, args);
            assertThat(declined.exit()).isEqualTo(1);
            assertThat(declined.err()).contains("Run ROLLBACK PREPARED 'tx-6901'? [y/N]");
            assertThat(preparedLocks(twoPhase)).isEqualTo(1);

            CliRun accepted = CliRun.run(CliRun.env(twoPhase), true, "y\n", null, args);
            assertThat(accepted.exit()).as(accepted.out() + accepted.err()).isZero();
            assertThat(accepted.out()).contains("Rolled back 'tx-6901': 1 lock(s) gone from pg_locks.");
            assertThat(preparedLocks(twoPhase)).isZero();

            CliRun gone = CliRun.run(CliRun.env(twoPhase), "release", "--url", twoPhase.jdbcUrl(), "--rollback-prepared",
                    "tx-6901", "--yes");
            assertThat(gone.exit()).isEqualTo(2);
            assertThat(gone.err()).contains("no prepared transaction with gid 'tx-6901'");
        }
    }

    private static int preparedLocks(PostgresServer server) throws Exception {
        try (Connection c = server.connect("probe"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid IS NULL")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
