package io.lockwarden.cli;

import static io.lockwarden.testkit.fixture.LockSessions.exec;
import static io.lockwarden.testkit.fixture.LockSessions.pid;
import static org.assertj.core.api.Assertions.assertThat;

import io.lockwarden.testkit.fixture.LockSessions;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.sql.Connection;
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
    void roleWithoutPgSignalBackendIsToldWhyAndTerminatesNothing() throws Exception {
        LockSessions.createRole(SERVER, "weak_releaser", "pg_monitor");
        try (LockSessions s = new LockSessions(SERVER)) {
            Connection a = s.open("superuser-job");
            exec(a, "SELECT pg_advisory_lock(6501)");
            int pa = pid(a);
            CliRun r = CliRun.run(Map.of("PGUSER", "weak_releaser", "PGPASSWORD", "pw-weak_releaser"),
                    "release", "--url", SERVER.jdbcUrl(), "--pid", String.valueOf(pa), "--yes");
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err().strip().lines()).hasSize(1);
            assertThat(r.err()).contains("may not terminate pid " + pa, "pg_signal_backend", "nothing was terminated");
            assertThat(s.locksInPgLocks(pa)).isEqualTo(1);
        }
    }

    @Test
    void serverRefusalToTerminateIsExplained() throws Exception {
        // member of pg_signal_backend, but the target is a superuser's session: only the server can say no
        LockSessions.createRole(SERVER, "signaller", "pg_monitor", "pg_signal_backend");
        try (LockSessions s = new LockSessions(SERVER)) {
            Connection a = s.open("superuser-job-2");
            exec(a, "SELECT pg_advisory_lock(6601)");
            int pa = pid(a);
            CliRun r = CliRun.run(Map.of("PGUSER", "signaller", "PGPASSWORD", "pw-signaller"),
                    "release", "--url", SERVER.jdbcUrl(), "--pid", String.valueOf(pa), "--yes");
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err()).contains("permission denied to terminate pid " + pa, "pg_signal_backend");
            assertThat(s.locksInPgLocks(pa)).isEqualTo(1);
        }
    }
}
