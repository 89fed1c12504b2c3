package io.lockwarden.cli;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.lockwarden.AdvisoryLocks;
import io.lockwarden.LockKey;
import io.lockwarden.testkit.fixture.LockSessions;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code lockwarden demo}: the whole incident on a throw-away embedded PostgreSQL, in four acts:
 * a session lock leaks out of a rolled-back transaction into a connection pool and blocks the next
 * worker; {@code diagnose} finds it; {@code release} ends exactly that session; the same work through
 * Lockwarden's transaction-scoped API leaks nothing.
 *
 * <p>Exit code 0 when every act behaved as described, 1 when one did not (the demo doubles as a smoke
 * test of the installation), 2 when the embedded server cannot start. Leaves nothing behind: the
 * server, its data directory and the pool are gone when it returns.
 */
@Command(name = "demo", description = "Reproduce the stuck advisory lock incident on an embedded PostgreSQL, then diagnose, "
                + "release and prevent it. Needs nothing installed.")
final class DemoCommand implements Callable<Integer> {

    @picocli.CommandLine.Mixin
    HelpOption helpOption;

    @ParentCommand
    Main main;

    @Option(names = "--pg-version", paramLabel = "MAJOR", defaultValue = "18",
            description = "PostgreSQL major version to run: 18 or 14 (default: ${DEFAULT-VALUE}).")
    int pgVersion;

    private static final LockKey KEY = LockKey.named("orders", "nightly-settlement");

    @Override
    public Integer call() throws Exception {
        if (pgVersion != 18 && pgVersion != 14) {
            throw new CliException("--pg-version must be 18 or 14, got " + pgVersion);
        }
        PrintStream out = main.context().out();
        out.println("Starting an embedded PostgreSQL " + pgVersion + " (nothing to install) ...");
        boolean ok = true;
        try (PostgresServer server = PostgresServer.builder().version(pgVersion).start();
             HikariDataSource pool = pool(server);
             LockSessions otherInstance = new LockSessions(server)) {
            out.println("PostgreSQL " + pgVersion + " is up on 127.0.0.1:" + server.port() + ".\n");
            try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE settlement (id int PRIMARY KEY, amount numeric NOT NULL)");
            }

            heading(out, "1. The incident");
            out.println("The orders service takes a session-level lock inside a transaction:");
            out.println("  BEGIN; SELECT pg_advisory_lock(" + KEY.sqlArguments() + "); INSERT ... -- fails; ROLLBACK;");
            int leakedPid = leakOneLock(pool);
            out.println("The transaction rolled back and the connection went back to the pool, but "
                    + "pg_locks still shows " + heldLocks(server) + " advisory lock held by pid " + leakedPid + ".");
            Connection worker = otherInstance.open("orders-worker-2");
            Future<?> waiting = waitForLock(otherInstance, worker);
            out.println("The next worker (another instance) now waits behind it, and will wait until someone acts.\n");

            heading(out, "2. Diagnose:  lockwarden diagnose --url " + server.jdbcUrl() + " --namespace orders");
            int diagnoseExit = Main.run(childContext(server), "diagnose", "--url", server.jdbcUrl(),
                    "--namespace", "orders", "--idle-threshold", "0s");
            out.println("(exit code " + diagnoseExit + ": findings)\n");
            ok &= expect(out, diagnoseExit == 1, "diagnose reports the leak with exit code 1");

            heading(out, "3. Release:  lockwarden release --url ... --pid " + leakedPid + " --yes");
            int releaseExit = Main.run(childContext(server), "release", "--url", server.jdbcUrl(),
                    "--pid", Integer.toString(leakedPid), "--namespace", "orders", "--yes");
            out.println("The waiting worker: " + outcome(waiting, worker) + "\n");
            ok &= expect(out, releaseExit == 0, "release ends the leaked session with exit code 0");
            ok &= expect(out, heldLocks(server) == 0, "no advisory lock is left");

            heading(out, "4. Prevention: the same failing work through Lockwarden");
            out.println("  locks.withLock(LockKey.named(\"orders\", \"nightly-settlement\"), Duration.ofSeconds(5), work)");
            AdvisoryLocks locks = AdvisoryLocks.using(pool);
            try {
                locks.withLock(KEY, Duration.ofSeconds(5), c -> {
                    try (Statement st = c.createStatement()) {
                        st.execute("INSERT INTO settlement VALUES (1, NULL)");
                    }
                    return null;
                });
            } catch (RuntimeException expected) {
                out.println("The work failed (" + rootMessage(expected) + "), the transaction rolled back, and "
                        + "pg_locks shows " + heldLocks(server) + " advisory locks: nothing leaked.");
            }
            ok &= expect(out, heldLocks(server) == 0, "the lock ended with the transaction");
            out.println();
            out.println(ok ? "Demo complete: every step behaved as described."
                    : "Demo finished, but a step did not behave as described (see above).");
        }
        return ok ? 0 : 1;
    }

    private static HikariDataSource pool(PostgresServer server) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(server.jdbcUrl());
        config.setUsername(PostgresServer.SUPERUSER);
        config.setPassword(server.password());
        config.setMaximumPoolSize(2);
        config.setPoolName("orders-service");
        config.addDataSourceProperty("ApplicationName", "orders-service");
        return new HikariDataSource(config);
    }

    /** The seed bug: a session lock inside a transaction that rolls back. Returns the holder's pid. */
    private static int leakOneLock(HikariDataSource pool) throws SQLException {
        try (Connection c = pool.getConnection()) {
            int pid = LockSessions.pid(c);
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                // lockwarden:ignore all the demo reproduces the seed bug on purpose
                st.execute("SELECT pg_advisory_lock(" + KEY.sqlArguments() + ")");
                st.execute("INSERT INTO settlement VALUES (1, NULL)");
            } catch (SQLException failed) {
                c.rollback();
            }
            c.setAutoCommit(true);
            return pid;
        }
    }

    /** Starts the next worker's lock request; returns once the server shows it waiting. */
    private static Future<?> waitForLock(LockSessions sessions, Connection worker)
            throws SQLException, InterruptedException {
        LockSessions.exec(worker, "SET lock_timeout = '60s'");
        // lockwarden:ignore LW101 the worker's session is ended by LockSessions.close(); ending it releases the lock
        return sessions.blockOn(worker, "SELECT pg_advisory_lock(" + KEY.sqlArguments() + ")");
    }

    /** Waits for the blocked worker's lock statement, then lets the worker unlock. */
    private static String outcome(Future<?> waiting, Connection worker) throws InterruptedException {
        try {
            waiting.get(60, TimeUnit.SECONDS);
            // lockwarden:ignore LW105 the demo only needs the waiter to get through
            LockSessions.exec(worker, "SELECT pg_advisory_unlock(" + KEY.sqlArguments() + ")");
            return "got the lock once the leaked session was ended, did its work and unlocked";
        } catch (ExecutionException | TimeoutException | SQLException e) {
            return "failed: " + rootMessage(e);
        }
    }

    private static int heldLocks(PostgresServer server) throws SQLException {
        try (Connection c = server.connect("lockwarden-demo"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private CliContext childContext(PostgresServer server) {
        CliContext parent = main.context();
        Map<String, String> env = new HashMap<>(parent.env());
        env.put("PGUSER", PostgresServer.SUPERUSER);
        env.put("PGPASSWORD", server.password());
        return new CliContext(parent.out(), parent.err(), parent.in(), env, parent.interactive(), null);
    }

    private static boolean expect(PrintStream out, boolean condition, String what) {
        out.println((condition ? "  ok: " : "  NOT AS EXPECTED: ") + what);
        return condition;
    }

    private static void heading(PrintStream out, String text) {
        out.println("== " + text);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return m.lines().findFirst().orElse(m);
    }
}
