package io.lockwarden.cli;

import io.lockwarden.cli.internal.demo.CommandRunner;
import io.lockwarden.cli.internal.demo.DemoAct;
import io.lockwarden.cli.internal.demo.DemoOutput;
import io.lockwarden.cli.internal.demo.DemoStage;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code lockwarden demo}: the whole incident on a throw-away embedded PostgreSQL, in acts: the leak; the same
 * service behind PgBouncer in transaction pooling, where the lock moves to the next client (when a pgbouncer
 * executable is found); {@code diagnose}; the watchdog's metrics, dashboard, dry-run and enforcement;
 * {@code postmortem} on the server's own log; the library's fix. Each act checks what it claims.
 *
 * <p>Exit code 0 when every act behaved as described, 1 when one did not (the demo doubles as a smoke test of the
 * installation), 2 for a bad option or when the embedded server cannot start. Leaves nothing behind, also on
 * Ctrl-C (once or twice): a shutdown hook stops the watchdog, PgBouncer and the server and deletes their
 * directories.
 */
@Command(name = "demo",
        description = "Reproduce the stuck advisory lock incident on an embedded PostgreSQL (and behind PgBouncer "
                + "when it is installed), then diagnose, watch, end, explain and prevent it. Needs only Java.")
final class DemoCommand implements Callable<Integer> {

    @picocli.CommandLine.Mixin
    HelpOption helpOption;

    @ParentCommand
    Main main;

    @Option(names = "--pg-version", paramLabel = "MAJOR", defaultValue = "18",
            description = "PostgreSQL major version to run: 18 or 14 (default: ${DEFAULT-VALUE}).")
    int pgVersion;

    @Option(names = "--act", paramLabel = "NAME",
            description = "Run one act: leak, pgbouncer, diagnose, watch, postmortem or fix (default: all, in order).")
    String act;

    @Option(names = "--pgbouncer-bin", paramLabel = "PATH",
            description = "The pgbouncer executable for the PgBouncer act (default: pgbouncer on the PATH; "
                    + "without one the act is skipped with a note).")
    Path pgbouncerBin;

    @Option(names = "--keep-running",
            description = "Leave the server (and the watchdog) running after the acts, print a psql command and "
                    + "the URLs, and wait for Ctrl-C.")
    boolean keepRunning;

    private DemoStage stage;

    @Override
    public Integer call() throws Exception {
        if (pgVersion != 18 && pgVersion != 14) {
            throw new CliException("--pg-version must be 18 or 14, got " + pgVersion);
        }
        PrintStream out = main.context().out();
        Optional<Path> pgbouncer = DemoAct.findPgBouncer(pgbouncerBin, main.context().env().get("PATH"));
        if (pgbouncerBin != null && pgbouncer.isEmpty()) {
            throw new CliException("--pgbouncer-bin " + pgbouncerBin + " is not an executable file: give the path "
                    + "of pgbouncer, or leave the option out");
        }
        List<DemoAct> acts = DemoAct.all(this::runCommand, pgbouncer.orElse(null));
        if (act != null && acts.stream().noneMatch(a -> a.name().equals(act))) {
            throw new CliException("--act '" + act + "' is not an act: use one of "
                    + acts.stream().map(DemoAct::name).collect(Collectors.joining(", ")));
        }

        stage = DemoStage.create();
        Thread hook = new Thread(stage::close, "lockwarden-demo-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        DemoOutput output = new DemoOutput(out);
        try {
            out.println("Starting an embedded PostgreSQL " + pgVersion + " (nothing to install) ...");
            PostgresServer server = stage.startServer(pgVersion);
            out.println("PostgreSQL " + pgVersion + " is up on 127.0.0.1:" + server.port() + ".\n");
            for (int i = 0; i < acts.size(); i++) {
                if (act == null || acts.get(i).name().equals(act)) {
                    acts.get(i).play(stage, output, i + 1);
                }
            }
            out.println(output.allHeld() ? "Demo complete: every act behaved as described."
                    : "Demo finished, but an act did not behave as described (see NOT AS EXPECTED above).");
            if (keepRunning) {
                keepRunning(stage, out);
            }
        } catch (RuntimeException | java.sql.SQLException e) {
            if (stage.closed()) {
                return 130; // Ctrl-C: the hook is cleaning up
            }
            throw e;
        } finally {
            stage.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: the hook runs (or ran) anyway
            }
        }
        return output.allHeld() ? 0 : 1;
    }

    private static void keepRunning(DemoStage stage, PrintStream out) throws Exception {
        PostgresServer server = stage.server();
        Path pgpass = stage.writePrivate("pgpass", "127.0.0.1:" + server.port() + ":*:" + PostgresServer.SUPERUSER
                + ":" + server.password() + "\n");
        out.println();
        out.println("Everything stays up until Ctrl-C:");
        out.println("  PGPASSFILE=" + pgpass + " psql -h 127.0.0.1 -p " + server.port() + " -U "
                + PostgresServer.SUPERUSER + " postgres");
        stage.watchdog().ifPresent(w -> {
            out.println("  dashboard: http://127.0.0.1:" + w.port() + "/");
            out.println("  metrics:   http://127.0.0.1:" + w.port() + "/metrics");
        });
        out.flush();
        new CountDownLatch(1).await();
    }

    private int runCommand(PrintStream out, String... args) {
        CliContext parent = main.context();
        Map<String, String> env = new HashMap<>(parent.env());
        env.put("PGUSER", PostgresServer.SUPERUSER);
        env.put("PGPASSWORD", stage.server().password());
        return Main.run(new CliContext(out, parent.err(), parent.in(), env, parent.interactive(), null), args);
    }
}
