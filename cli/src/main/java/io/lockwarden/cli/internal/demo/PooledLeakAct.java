package io.lockwarden.cli.internal.demo;

import io.lockwarden.LockKey;
import io.lockwarden.testkit.fixture.LockSessions;
import io.lockwarden.testkit.fixture.PgBouncer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Optional;

/**
 * Act 2: the same service behind PgBouncer in transaction pooling. A session lock stays on the server connection
 * when the statement ends, and the next client that lands there "gets" it too: two clients inside the critical
 * section at once, counted by the demo. Then {@code diagnose --pgbouncer} links the lock to the pooled connection.
 * Without a pgbouncer executable the act says so in one line (act 1 is the direct version).
 */
final class PooledLeakAct implements DemoAct {
    private static final LockKey KEY = LockKey.named("orders", "payment-capture");
    private final CommandRunner commands;
    private final Path executable;

    PooledLeakAct(CommandRunner commands, Path executable) {
        this.commands = commands;
        this.executable = executable;
    }

    /** See {@link DemoAct#findPgBouncer}. */
    static Optional<Path> find(Path given, String path) {
        if (given != null) {
            return Files.isExecutable(given) ? Optional.of(given) : Optional.empty();
        }
        for (String dir : (path == null ? "" : path).split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "pgbouncer"))) {
                return Optional.of(Path.of(dir, "pgbouncer"));
            }
        }
        return Optional.empty();
    }

    @Override
    public String name() {
        return "pgbouncer";
    }

    @Override
    public void play(DemoStage stage, DemoOutput out, int number) throws Exception {
        if (executable == null) {
            out.say("== Act " + number + ": PgBouncer: skipped, pgbouncer is not on the PATH (install it, or give "
                    + "--pgbouncer-bin /usr/sbin/pgbouncer); act 1 showed the direct version.");
            out.say("");
            return;
        }
        out.heading(number, "behind PgBouncer (transaction pooling)", "the leaked lock moves to the next client: "
                + "mutual exclusion is broken");
        PgBouncer bouncer = stage.startBouncer(executable);
        String sql = "SELECT pg_try_advisory_lock(" + KEY.sqlArguments() + ")";
        int inside = 0;
        int mostInside = 0;
        try (Connection first = bouncer.connect(); Connection second = bouncer.connect()) {
            // lockwarden:ignore all the demo prints the SQL it runs through PgBouncer
            out.say("checkout-1, through PgBouncer:  " + sql + "  -- true: enters the critical section");
            // lockwarden:ignore all the demo shows a session lock through transaction pooling on purpose
            if (tryLock(first, sql)) {
                mostInside = Math.max(mostInside, ++inside);
            }
            out.say("checkout-1's statement ended: PgBouncer hands its server connection, lock and all, to the next "
                    + "client.");
            // lockwarden:ignore all the second client lands on the same server connection: re-entrant, so true
            boolean secondGot = tryLock(second, sql);
            // lockwarden:ignore all the demo prints the SQL it runs through PgBouncer
            out.say("checkout-2, through PgBouncer:  " + sql + "  -- " + secondGot
                    + (secondGot ? ": enters too, while checkout-1 is still inside" : ""));
            if (secondGot) {
                mostInside = Math.max(mostInside, ++inside);
            }
            int serverPid = LockSessions.pid(second);
            out.say("The demo's counter: " + mostInside + " clients inside the critical section at once; pg_locks: "
                    + stage.heldBy(serverPid) + " lock held by PgBouncer's server connection (pid " + serverPid + ").");
            out.expect(mostInside == 2, "both clients got the lock: mutual exclusion broken");
            out.expect(stage.heldBy(serverPid) == 1, "pg_locks shows one holder: the pooled server connection");

            String console = "jdbc:postgresql://127.0.0.1:" + bouncer.port() + "/pgbouncer";
            out.say("$ lockwarden diagnose --url " + stage.server().jdbcUrl() + " --pgbouncer " + console
                    + " --namespace orders --idle-threshold 0s");
            ByteArrayOutputStream captured = new ByteArrayOutputStream();
            int exit = commands.run(new PrintStream(new Tee(out.out(), captured), true, StandardCharsets.UTF_8),
                    "diagnose", "--url", stage.server().jdbcUrl(), "--pgbouncer", console, "--namespace", "orders",
                    "--idle-threshold", "0s");
            String text = captured.toString(StandardCharsets.UTF_8);
            out.expect(exit == 1 && text.contains(Integer.toString(serverPid)) && text.contains("PgBouncer"),
                    "diagnose links the lock to PgBouncer's server connection " + serverPid);
        }
        stage.stopBouncer();
        out.say("PgBouncer stopped: its server connection, and the lock with it, are gone.");
        out.expect(awaitNoLocksOf(stage, KEY), "no lock on " + KEY.sqlArguments() + " is left");
        out.say("");
    }

    private static boolean tryLock(Connection c, String sql) throws Exception {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    private static boolean awaitNoLocksOf(DemoStage stage, LockKey key) throws Exception {
        for (int i = 0; i < 100; i++) {
            try (Connection c = stage.server().connect("lockwarden-demo"); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND "
                         + "classid::bigint = " + key.classid() + " AND objid::bigint = " + key.objid()
                         + " AND objsubid = " + key.objsubid())) {
                rs.next();
                if (rs.getInt(1) == 0) {
                    return true;
                }
            }
            Thread.sleep(50);
        }
        return false;
    }
}
