package io.lockwarden.cli;

import io.lockwarden.inspect.AdvisoryLockRow;
import io.lockwarden.inspect.Inspector;
import io.lockwarden.inspect.PreparedTransaction;
import io.lockwarden.inspect.Snapshot;
import io.lockwarden.inspect.rules.RuleContext;
import io.lockwarden.inspect.rules.RuleOptions;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * {@code lockwarden release --rollback-prepared GID}: shows the prepared transaction (owner, database,
 * prepared at, keys, waiters), asks like a termination does ({@code --dry-run}, {@code --yes}, a prompt on a
 * terminal), then runs {@code ROLLBACK PREPARED} in its database and re-reads {@code pg_locks}.
 *
 * <p>ROLLBACK PREPARED cannot be combined with a check in one statement (it may not run inside a
 * transaction or function), so the gid's {@code prepared} time is rechecked in the statement just before:
 * a gid finished and reused in between is refused, except for the few milliseconds between the two.
 */
final class PreparedRollback {
    private final CliContext ctx;
    private final PGSimpleDataSource ds;
    private final Inspector inspector;
    private final boolean dryRun;
    private final boolean yes;

    PreparedRollback(CliContext ctx, PGSimpleDataSource ds, Inspector inspector, boolean dryRun, boolean yes) {
        this.ctx = ctx;
        this.ds = ds;
        this.inspector = inspector;
        this.dryRun = dryRun;
        this.yes = yes;
    }

    /** Runs the command; the exit code (0 rolled back and its locks gone, 1 declined or not confirmed). */
    int run(Snapshot before, String gid) {
        // every line quotes names from the database: control characters are shown escaped
        PrintStream out = new EscapingPrintStream(ctx.out());
        PreparedTransaction p = before.prepared().stream().filter(x -> x.gid().equals(gid)).findFirst()
                .orElseThrow(() -> new CliException("no prepared transaction with gid '" + gid + "' holds an advisory "
                        + "lock on " + DatabaseLogin.target(ds) + ": run lockwarden diagnose to list them "
                        + "(SELECT gid FROM pg_prepared_xacts)"));
        Set<Integer> waiters = new RuleContext(before, RuleOptions.defaults()).waitersBehindPrepared(p);
        out.println("prepared transaction '" + p.gid() + "'  owner " + p.owner() + "  database " + p.database()
                + "  prepared " + p.preparedAt());
        out.println("  holds " + p.locks().size() + " advisory lock(s): " + String.join(", ",
                p.locks().stream().map(AdvisoryLockRow::label).distinct().toList()));
        if (!waiters.isEmpty()) {
            out.println("  " + waiters.size() + " session(s) wait behind it: " + waiters);
        }
        out.println("  -> will run " + p.rollbackSql() + ": its writes are lost; the owner could instead "
                + p.commitSql());
        if (!p.database().equals(ds.getDatabaseName())) {
            throw new CliException("prepared transaction '" + gid + "' belongs to database " + p.database()
                    + " and can only be rolled back there: rerun with --url pointing at database " + p.database());
        }
        if (dryRun) {
            out.println("Dry run: would run " + p.rollbackSql() + ". Nothing done.");
            return 0;
        }
        if (!yes) {
            if (!ctx.interactive()) {
                throw new CliException("not on a terminal, so cannot ask for confirmation: pass --yes to run "
                        + p.rollbackSql() + ", or --dry-run to only show the plan");
            }
            out.flush();
            if (!ctx.confirm("Run " + p.rollbackSql() + "?")) {
                out.println("Aborted: nothing rolled back.");
                return 1;
            }
        }
        try (Connection c = ds.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT 1 FROM pg_prepared_xacts WHERE gid = ? AND prepared = ?::timestamptz")) {
                ps.setString(1, gid);
                ps.setString(2, p.preparedAt().toString());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        out.println("Skipped '" + gid + "': it was committed or rolled back since it was shown. "
                                + "Run lockwarden diagnose again.");
                        return 1;
                    }
                }
            }
            try (Statement st = c.createStatement()) {
                st.execute(p.rollbackSql());
            }
        } catch (SQLException e) {
            String first = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
            throw new CliException("ROLLBACK PREPARED '" + gid + "' failed (" + first + "): only its owner ("
                    + p.owner() + ") or a superuser may end it; nothing was rolled back", e);
        }
        Snapshot after = inspector.snapshot();
        boolean gone = after.prepared().stream().noneMatch(x -> x.gid().equals(gid));
        out.println(gone ? "Rolled back '" + gid + "': " + p.locks().size() + " lock(s) gone from pg_locks."
                : "'" + gid + "' still holds locks in pg_locks: run lockwarden diagnose again.");
        return gone ? 0 : 1;
    }
}
