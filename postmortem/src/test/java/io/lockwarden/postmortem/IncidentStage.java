package io.lockwarden.postmortem;

import static io.lockwarden.testkit.fixture.LockSessions.exec;
import static io.lockwarden.testkit.fixture.LockSessions.pid;

import io.lockwarden.LockKey;
import io.lockwarden.testkit.fixture.LockSessions;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A real server logging lock waits into every format it supports, and the incidents a test stages on it. Each
 * {@code stage} method returns what it staged so tests can compare the report with it.
 */
final class IncidentStage implements AutoCloseable {
    static final LockKey NAMED = LockKey.named("billing", "invoice-42");
    static final String SENTINEL = "lockwarden-stage-done";

    final PostgresServer server;
    final String prefix;
    private final ExecutorService pool = Executors.newCachedThreadPool();

    /** What {@link #stageAll()} staged. */
    record Staged(int leakHolder, List<Integer> timedOut, int freedByTermination, int sharedHolder1,
                  int sharedHolder2, int exclusiveTimedOut, int pairHolder, int sharedTimedOut, int deadlock1,
                  int deadlock2, int deadlockVictim, int idleHolder, int freedByIdleTimeout, int tableFiller) {
    }

    IncidentStage(int version, String prefix) {
        this.prefix = prefix;
        this.server = PostgresServer.builder().version(version)
                .setting("logging_collector", "on")
                .setting("log_destination", version >= 15 ? "stderr,csvlog,jsonlog" : "stderr,csvlog")
                .setting("log_directory", "log")
                .setting("log_filename", "postgresql.log")
                .setting("log_file_mode", "0644")
                .setting("log_rotation_age", "0")
                .setting("log_rotation_size", "0")
                .setting("log_line_prefix", prefix)
                .setting("log_lock_waits", "on")
                .setting("deadlock_timeout", "100ms")
                .setting("max_locks_per_transaction", "32")
                .setting("lc_messages", "C")
                .start();
    }

    Path log(String extension) {
        return server.dataDirectory().resolve("log/postgresql." + extension);
    }

    Staged stageAll() throws Exception {
        try (LockSessions s = new LockSessions(server)) {
            // 1. A leaked session lock: two waiters time out, then the holder is terminated and frees a third.
            Connection leak = s.open("leaky-worker");
            exec(leak, "SELECT pg_advisory_lock(1002)");
            Connection t1 = s.open("impatient-1");
            Connection t2 = s.open("impatient-2");
            exec(t1, "SET lock_timeout = '800ms'");
            exec(t2, "SET lock_timeout = '800ms'");
            Future<?> f1 = run(t1, "SELECT pg_advisory_lock(1002)");
            Future<?> f2 = run(t2, "SELECT pg_advisory_lock(1002)");
            expectState(f1, "55P03");
            expectState(f2, "55P03");
            Connection patient = s.open("patient");
            int patientPid = pid(patient);
            Future<?> fp = s.blockOn(patient, "SELECT pg_advisory_lock(1002)");
            awaitLog("process " + patientPid + " still waiting");
            int leakPid = pid(leak);
            try (Connection su = server.connect("terminator")) {
                exec(su, "SELECT pg_terminate_backend(" + leakPid + ", 5000)");
            }
            fp.get(30, TimeUnit.SECONDS);
            exec(patient, "SELECT pg_advisory_unlock(1002)");

            // 2. Shared vs exclusive, both key forms: an exclusive waiter behind two shared holders times out, a
            // shared waiter behind an exclusive pair-key holder times out.
            Connection sh1 = s.open("reader-1");
            Connection sh2 = s.open("reader-2");
            exec(sh1, "SELECT pg_advisory_lock_shared(2001)");
            exec(sh2, "SELECT pg_advisory_lock_shared(2001)");
            Connection writer = s.open("writer");
            exec(writer, "SET lock_timeout = '800ms'");
            expectState(run(writer, "SELECT pg_advisory_lock(2001)"), "55P03");
            Connection pair = s.open("pair-holder");
            exec(pair, "SELECT pg_advisory_lock(7, 42)");
            Connection shWait = s.open("pair-reader");
            exec(shWait, "SET lock_timeout = '800ms'");
            expectState(run(shWait, "SELECT pg_advisory_lock_shared(7, 42)"), "55P03");
            exec(sh1, "SELECT pg_advisory_unlock_all()");
            exec(sh2, "SELECT pg_advisory_unlock_all()");
            exec(pair, "SELECT pg_advisory_unlock_all()");

            // 3. A deadlock between two advisory locks taken in opposite orders.
            Connection d1 = s.open("transfer-a");
            Connection d2 = s.open("transfer-b");
            exec(d1, "SELECT pg_advisory_lock(3001)");
            exec(d2, "SELECT pg_advisory_lock(3002)");
            int d1Pid = pid(d1);
            int d2Pid = pid(d2);
            Future<?> g1 = s.blockOn(d1, "SELECT pg_advisory_lock(3002)");
            Future<?> g2 = run(d2, "SELECT pg_advisory_lock(3001)");
            for (int i = 0; i < 3000 && !g1.isDone() && !g2.isDone(); i++) {
                Thread.sleep(20);
            }
            // The victim's error leaves its own session lock held: release it so the survivor gets its lock.
            boolean firstIsVictim = g1.isDone();
            expectState(firstIsVictim ? g1 : g2, "40P01");
            int victim = firstIsVictim ? d1Pid : d2Pid;
            exec(firstIsVictim ? d1 : d2, "SELECT pg_advisory_unlock_all()");
            (firstIsVictim ? g2 : g1).get(30, TimeUnit.SECONDS);
            exec(d1, "SELECT pg_advisory_unlock_all()");
            exec(d2, "SELECT pg_advisory_unlock_all()");

            // 4. A transaction-level lock held by a session left idle in transaction, ended by the server's
            // idle_in_transaction_session_timeout, which frees its waiter (a named key).
            Connection idle = s.open("forgetful");
            exec(idle, "SET idle_in_transaction_session_timeout = '2s'");
            idle.setAutoCommit(false);
            exec(idle, "SELECT pg_advisory_xact_lock(" + NAMED.sqlArguments() + ")");
            int idlePid = pid(idle);
            Connection named = s.open("named-waiter");
            int namedPid = pid(named);
            Future<?> fn = s.blockOn(named, "SELECT pg_advisory_lock(" + NAMED.sqlArguments() + ")");
            fn.get(60, TimeUnit.SECONDS);
            exec(named, "SELECT pg_advisory_unlock_all()");

            // 5. Lock table exhaustion: one session takes advisory locks in a loop until the table is full.
            Connection filler = s.open("lock-hoarder");
            try {
                exec(filler, "SELECT pg_advisory_lock(g) FROM generate_series(100000, 400000) g");
                throw new AssertionError("expected 'out of shared memory' with max_locks_per_transaction = 32");
            } catch (SQLException e) {
                if (!"53200".equals(e.getSQLState())) {
                    throw e;
                }
            }
            exec(filler, "SELECT pg_advisory_unlock_all()");

            try (Connection su = server.connect("stage")) {
                exec(su, "DO $$BEGIN RAISE LOG '" + SENTINEL + "'; END$$");
            }
            for (String ext : server.majorVersion() >= 15 ? List.of("log", "csv", "json") : List.of("log", "csv")) {
                awaitFile(log(ext), SENTINEL);
            }
            return new Staged(leakPid, List.of(pid(t1), pid(t2)), pid(patient), pid(sh1), pid(sh2), pid(writer),
                    pid(pair), pid(shWait), d1Pid, d2Pid, victim, idlePid, namedPid, pid(filler));
        }
    }

    private Future<?> run(Connection c, String sql) {
        return pool.submit(() -> {
            exec(c, sql);
            return null;
        });
    }

    private static void expectState(Future<?> f, String state) throws Exception {
        try {
            f.get(60, TimeUnit.SECONDS);
            throw new AssertionError("expected SQLSTATE " + state);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof SQLException sql) || !state.equals(sql.getSQLState())) {
                throw e;
            }
        }
    }

    void awaitLog(String needle) throws InterruptedException, IOException {
        awaitFile(log("log"), needle);
    }

    static void awaitFile(Path file, String needle) throws InterruptedException, IOException {
        for (int i = 0; i < 1500; i++) {
            if (Files.exists(file) && Files.readString(file, java.nio.charset.StandardCharsets.ISO_8859_1)
                    .contains(needle)) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError(file + " never contained '" + needle + "'");
    }

    @Override
    public void close() {
        pool.shutdownNow();
        server.close();
    }
}
