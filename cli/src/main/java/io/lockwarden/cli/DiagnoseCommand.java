package io.lockwarden.cli;

import io.lockwarden.inspect.Diagnosis;
import io.lockwarden.inspect.Inspector;
import io.lockwarden.inspect.rules.RuleOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.postgresql.ds.PGSimpleDataSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code lockwarden diagnose}: reads every advisory lock, the sessions behind them and optionally
 * PgBouncer's console, and reports incidents worst first, each with the one command that ends it
 * ({@code --verbose}: every finding; {@code --all}: every lock). Exit 0 when nothing is
 * at warning level or above, 1 with findings, 2 on error.
 */
@Command(name = "diagnose", mixinStandardHelpOptions = true,
        description = {"Show who holds advisory locks, who waits, what is stuck, why, and the safe fix.",
            "Read-only: nothing is locked, unlocked or terminated."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:nothing at warning level or above", "1:findings (warning or error)",
            "2:bad input or connection error"})
final class DiagnoseCommand implements Callable<Integer> {

    /** Output formats. */
    enum Format { text, json }

    @ParentCommand
    Main main;

    @Mixin
    ServerOptions server;

    @Option(names = "--pgbouncer", paramLabel = "JDBC_URL",
            description = "PgBouncer admin console, e.g. jdbc:postgresql://bouncer:6432/pgbouncer (user and "
                    + "password default to the server's); links pooled connections to backends by remote_pid.")
    String pgbouncer;

    @Option(names = "--namespace", paramLabel = "NAME",
            description = "Namespace of named keys (LockKey.named) to decode; repeatable.")
    List<String> namespaces = new ArrayList<>();

    @Option(names = "--idle-threshold", paramLabel = "DURATION", defaultValue = "60s",
            converter = DurationConverter.class,
            description = "Idle holders and waits become warnings after this long (default: ${DEFAULT-VALUE}).")
    Duration idleThreshold;

    @Option(names = "--all", description = "Also list every lock row, every waiter, PgBouncer's server connections "
            + "and pg_stat_statements (text format; JSON always has everything).")
    boolean all;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text",
            description = "text (default) or json (documented in docs/diagnose-json.md).")
    Format format;

    @Override
    public Integer call() {
        CliContext ctx = main.context();
        DatabaseLogin login = new DatabaseLogin(ctx, server.url);
        PGSimpleDataSource ds = login.server();
        Inspector.Builder builder = Inspector.builder(ds)
                .options(RuleOptions.defaults().withIdleThreshold(idleThreshold));
        namespaces.forEach(builder::namespace);
        if (pgbouncer != null) {
            builder.pgBouncer(login.pgBouncer(pgbouncer, ds));
        }
        Diagnosis d = builder.build().diagnose();
        String target = DatabaseLogin.target(ds) + " as " + ds.getUser();
        if (format == Format.json) {
            ctx.out().println(new JsonReport().render(d, target));
        } else {
            String connection = server.url == null ? "" : "--url " + server.url;
            ctx.out().print(new TextReport(ctx.color(), main.verbose, all, connection).render(d, target));
        }
        ctx.out().flush();
        return d.hasProblems() ? 1 : 0;
    }
}
