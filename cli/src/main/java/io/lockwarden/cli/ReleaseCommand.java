package io.lockwarden.cli;

import io.lockwarden.inspect.AdvisoryLockRow;
import io.lockwarden.inspect.ControlCharacters;
import io.lockwarden.inspect.Inspector;
import io.lockwarden.inspect.LockwardenSessions;
import io.lockwarden.inspect.SessionInfo;
import io.lockwarden.inspect.Snapshot;
import io.lockwarden.inspect.TerminationException;
import io.lockwarden.inspect.TerminationOutcome;
import io.lockwarden.inspect.TerminationPlan;
import io.lockwarden.inspect.TerminationVerdict;
import io.lockwarden.inspect.Terminator;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.postgresql.ds.PGSimpleDataSource;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code lockwarden release}: shows what each chosen session is doing and what terminating it would
 * cost, refuses the unsafe ones unless {@code --force}, asks for confirmation on a terminal unless
 * {@code --yes}, terminates through {@link Terminator} (which skips, and reports, any session that changed
 * since it was shown: rechecked in the statement that terminates), and re-reads {@code pg_locks} to show
 * what was released. {@code --rollback-prepared GID} instead rolls back one prepared transaction under the
 * same confirmation rules. Exit 0 when every chosen session was ended and its locks are gone, 1 when some
 * were refused, declined or still hold locks, 2 on error.
 */
@Command(name = "release",
        description = {"End the sessions that hold stuck advisory locks, safely.",
            "Sessions with uncommitted writes, running queries, non-client backends and this",
            "session itself are refused unless --force; asks on a terminal unless --yes."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:all chosen sessions ended and their locks are gone (or nothing to do)",
            "1:some sessions refused, not confirmed, or still holding locks", "2:bad input or error"})
final class ReleaseCommand implements Callable<Integer> {

    /** How long to wait for each terminated backend to exit (pg_terminate_backend's timeout). */
    private static final Duration TERMINATION_WAIT = Duration.ofSeconds(5);

    private static final String SIGNAL_HELP = "terminating another role's session needs superuser or membership in "
            + "pg_signal_backend (GRANT pg_signal_backend TO %s), and only a superuser may end a superuser's session";

    @ParentCommand
    Main main;

    @Mixin
    ConnectionOptions connection;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Selection selection;

    /** Which sessions to end: by pid, every idle holder older than a duration, or one prepared transaction. */
    static final class Selection {
        @Option(names = "--pid", paramLabel = "PID", required = true, split = ",",
                description = "Backend pid(s) to terminate: --pid 1,2,3 as diagnose prints it, or repeated.")
        List<Integer> pids;

        @Option(names = "--rollback-prepared", paramLabel = "GID", required = true,
                description = "Roll back this prepared transaction (ROLLBACK PREPARED), losing its writes; only "
                        + "when its owner cannot finish it.")
        String rollbackPrepared;

        @Option(names = "--idle-holders-older-than", paramLabel = "DURATION", required = true,
                converter = DurationConverter.class,
                description = "Every session holding advisory locks while idle or idle in transaction for at least this long.")
        Duration idleOlderThan;
    }

    @Option(names = "--dry-run", description = "Show the plan; terminate nothing.")
    boolean dryRun;

    @Option(names = "--yes", description = "Do not ask for confirmation (required when not on a terminal).")
    boolean yes;

    @Option(names = "--force", description = "Also terminate sessions judged unsafe (uncommitted writes lost, "
            + "running query cancelled).")
    boolean force;

    @Option(names = "--show-query-text", description = "SENSITIVE: show query texts whole, with their literals "
            + "(passwords, personal data). By default every literal is shown as a placeholder ($1, $2 ...).")
    boolean showQueryText;

    @Option(names = "--namespace", paramLabel = "NAME", description = "Namespace of named keys to decode; repeatable.")
    List<String> namespaces = new ArrayList<>();

    @Override
    public Integer call() {
        CliContext ctx = main.context();
        PrintStream out = ctx.out();
        PGSimpleDataSource ds = new DatabaseLogin(ctx, connection.server(ctx)).server();
        Inspector.Builder builder = Inspector.builder(ds).statements(false).fullQueryText(showQueryText);
        namespaces.forEach(builder::namespace);
        Inspector inspector = builder.build();
        Snapshot before = inspector.snapshot();
        if (selection.rollbackPrepared != null) {
            return new PreparedRollback(ctx, ds, inspector, dryRun, yes).run(before, selection.rollbackPrepared);
        }
        Map<Integer, List<AdvisoryLockRow>> byPid = before.locksByPid();

        Set<Integer> targets = new LinkedHashSet<>();
        if (selection.pids != null) {
            for (int pid : selection.pids) {
                if (!byPid.containsKey(pid)) {
                    throw new CliException(exists(ds, pid)
                            ? "session " + pid + " holds no advisory lock and waits for none: nothing to release "
                            + "(run lockwarden diagnose to list the holders)"
                            : "no session with pid " + pid + " on " + DatabaseLogin.target(ds)
                            + " (it may have ended already): run lockwarden diagnose to list the holders");
                }
                targets.add(pid);
            }
        } else {
            String here = before.visibility().database();
            for (SessionInfo s : before.sessions()) {
                if (here != null && s.database() != null && !here.equals(s.database())) {
                    continue; // another database: release acts only where it is connected (see docs/diagnose.md)
                }
                if (LockwardenSessions.own(before, s.pid())) {
                    continue; // the watchdog's leader lock is not a leak
                }
                boolean holds = byPid.getOrDefault(s.pid(), List.of()).stream().anyMatch(AdvisoryLockRow::granted);
                boolean idle = s.idle() || s.idleInTransaction();
                if (holds && idle && s.inStateFor(before.takenAt()).orElse(Duration.ZERO)
                        .compareTo(selection.idleOlderThan) >= 0) {
                    targets.add(s.pid());
                }
            }
            if (targets.isEmpty()) {
                out.println("No session holds advisory locks while idle for " + TextReport.duration(selection.idleOlderThan)
                        + " or longer: nothing to release.");
                return 0;
            }
        }

        List<Integer> chosen = new ArrayList<>();
        int refused = 0;
        for (int pid : targets) {
            List<AdvisoryLockRow> rows = byPid.get(pid);
            describe(out, before, pid, rows);
            TerminationVerdict v = before.terminationVerdict(pid);
            String database = before.session(pid).map(SessionInfo::database).orElse(null);
            String here = before.visibility().database();
            if (database != null && here != null && !database.equals(here)) {
                out.println("  -> REFUSED: it is in database '" + e(database) + "', not '" + e(here) + "' where this "
                        + "command is connected: run release connected to " + e(database) + " (e.g. -d " + e(database)
                        + ")");
                refused++;
                continue;
            }
            String owner = before.session(pid).map(SessionInfo::user).orElse(null);
            String missing = before.visibility().missingToTerminate(owner);
            if (missing != null) {
                // said before any termination, for this session only: the others this role may end still go ahead
                out.println("  -> REFUSED: " + Privileges.missing(before.visibility(), owner, missing));
                refused++;
                continue;
            }
            if (v.safe()) {
                out.println("  -> will terminate: safe (no uncommitted writes, not running a query)");
                chosen.add(pid);
            } else if (force) {
                out.println("  -> will terminate despite the risk (--force): " + e(v.risk()));
                chosen.add(pid);
            } else {
                out.println("  -> REFUSED: it " + e(v.risk()) + " (use --force to terminate anyway)");
                refused++;
            }
        }
        if (chosen.isEmpty()) {
            out.println("Nothing terminated.");
            return refused > 0 ? 1 : 0;
        }
        String list = chosen.stream().map(String::valueOf).collect(Collectors.joining(", "));
        if (dryRun) {
            out.println("Dry run: would terminate " + chosen.size() + " session(s): " + list + ". Nothing terminated.");
            return refused > 0 ? 1 : 0;
        }
        if (!yes) {
            if (!ctx.interactive()) {
                throw new CliException("not on a terminal, so cannot ask for confirmation: pass --yes to terminate "
                        + list + ", or --dry-run to only show the plan");
            }
            out.flush();
            if (!ctx.confirm("Terminate " + chosen.size() + " session(s) (" + list + ")?")) {
                out.println("Aborted: nothing terminated.");
                return 1;
            }
        }
        List<TerminationOutcome> outcomes = terminate(ds, before, chosen, force);

        Snapshot after = inspector.snapshot();
        boolean incomplete = false;
        for (TerminationOutcome o : outcomes) {
            int pid = o.pid();
            switch (o.status()) {
                case SKIPPED -> {
                    incomplete = true;
                    out.println("Skipped pid " + pid + ": it changed since it was shown, so it was not terminated: "
                            + e(String.join("; ", o.changes())) + ". Run lockwarden diagnose again.");
                }
                case NOT_CONFIRMED -> {
                    incomplete = true;
                    out.println("pid " + pid + ": " + e(o.detail()));
                }
                case DENIED -> throw new IllegalStateException("denied outcomes are reported before: " + o);
                case TERMINATED -> {
                    List<AdvisoryLockRow> was = byPid.get(pid).stream().filter(AdvisoryLockRow::granted).toList();
                    List<AdvisoryLockRow> still = after.locks().stream().filter(l -> l.pid() == pid).toList();
                    if (still.isEmpty()) {
                        out.println("Released pid " + pid + ": " + was.size() + " lock(s) gone from pg_locks"
                                + (was.isEmpty() ? "" : " (" + labels(was) + ")") + ".");
                    } else {
                        incomplete = true;
                        out.println("pid " + pid + " still has " + still.size() + " lock row(s) in pg_locks ("
                                + labels(still) + "): run lockwarden diagnose again.");
                    }
                }
                default -> throw new IllegalStateException("unknown outcome " + o.status());
            }
        }
        return refused > 0 || incomplete ? 1 : 0;
    }

    private static void describe(PrintStream out, Snapshot s, int pid, List<AdvisoryLockRow> rows) {
        SessionInfo si = s.session(pid).orElse(null);
        StringBuilder b = new StringBuilder("pid ").append(pid);
        if (si != null) {
            if (si.applicationName() != null && !si.applicationName().isEmpty()) {
                b.append("  app '").append(e(si.applicationName())).append("'");
            }
            if (si.user() != null) {
                b.append("  user ").append(e(si.user()));
            }
            if (si.database() != null) {
                b.append("  database ").append(e(si.database()));
            }
            b.append("  state ").append(si.state() == null ? "(hidden)" : si.state());
            si.inStateFor(s.takenAt()).ifPresent(d -> b.append(" for ").append(TextReport.duration(d)));
            if (si.clientAddr() != null) {
                b.append("  client ").append(e(si.clientAddr()));
            }
        }
        out.println(b);
        List<AdvisoryLockRow> held = rows.stream().filter(AdvisoryLockRow::granted).toList();
        List<AdvisoryLockRow> awaited = rows.stream().filter(l -> !l.granted()).toList();
        if (!held.isEmpty()) {
            out.println("  holds " + held.size() + " advisory lock(s): " + labels(held));
        }
        if (!awaited.isEmpty()) {
            out.println("  waits for: " + labels(awaited));
        }
        if (si != null && si.query() != null) {
            String q = e(si.query().replaceAll("\\s+", " ").trim());
            out.println("  " + (si.active() ? "running" : "last query") + ": " + (q.length() > 120 ? q.substring(0, 119)
                    + "…" : q));
        }
        if (si != null && si.xactStart() != null) {
            out.println("  open transaction since " + si.xactStart() + (si.hasUncommittedWrites()
                    ? ", with uncommitted writes (backend_xid " + si.backendXid() + ") that termination rolls back"
                    : ", no writes"));
        }
    }

    /** Text from the database, with control characters made visible (see {@link ControlCharacters}). */
    private static String e(String s) {
        return ControlCharacters.escape(s);
    }

    private static String labels(List<AdvisoryLockRow> rows) {
        List<String> l = rows.stream().sorted(java.util.Comparator.comparing(AdvisoryLockRow::key))
                .map(AdvisoryLockRow::label).map(ControlCharacters::escape).distinct().toList();
        String shown = l.stream().limit(10).collect(Collectors.joining(", "));
        return l.size() > 10 ? shown + ", … (" + l.size() + " keys)" : shown;
    }

    /**
     * Ends the chosen sessions through {@link Terminator}, which rechecks each plan in the statement that
     * terminates. A refusal by the server (permission) is an error naming what was already terminated.
     */
    private static List<TerminationOutcome> terminate(PGSimpleDataSource ds, Snapshot s, List<Integer> chosen,
                                                      boolean force) {
        List<TerminationPlan> plans = new ArrayList<>();
        for (int pid : chosen) {
            try {
                plans.add(TerminationPlan.of(s, pid, force));
            } catch (IllegalArgumentException e) {
                throw new CliException(e.getMessage() + "; nothing was terminated", e);
            }
        }
        List<TerminationOutcome> outcomes;
        try {
            outcomes = Terminator.using(ds, TERMINATION_WAIT).terminate(plans);
        } catch (TerminationException e) {
            throw new CliException(e.getMessage() + "; terminated so far: " + terminated(e.completed()), e);
        }
        for (TerminationOutcome o : outcomes) {
            if (o.status() == TerminationOutcome.Status.DENIED) {
                throw new CliException("permission denied to terminate pid " + o.pid() + ": "
                        + String.format(SIGNAL_HELP, s.visibility().role()) + "; terminated: "
                        + terminated(outcomes));
            }
        }
        return outcomes;
    }

    private static String terminated(List<TerminationOutcome> outcomes) {
        List<Integer> pids = outcomes.stream().filter(TerminationOutcome::terminated).map(TerminationOutcome::pid)
                .toList();
        return pids.isEmpty() ? "none" : pids.toString();
    }

    private static boolean exists(PGSimpleDataSource ds, int pid) {
        try (Connection c = ds.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_stat_activity WHERE pid = ?")) {
            ps.setInt(1, pid);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        } catch (SQLException e) {
            throw new CliException("cannot check pid " + pid + " (" + e.getMessage() + ")", e);
        }
    }
}
