package io.lockwarden.cli;

import io.lockwarden.connect.ConnectionSettings;
import io.lockwarden.connect.ConsoleException;
import io.lockwarden.inspect.Diagnosis;
import io.lockwarden.inspect.DiagnosisJson;
import io.lockwarden.inspect.InspectionException;
import io.lockwarden.inspect.Inspector;
import io.lockwarden.inspect.rules.RuleOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
@Command(name = "diagnose",
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
    ConnectionOptions connection;

    @Option(names = "--pgbouncer", paramLabel = "CONNECTION",
            description = {"PgBouncer admin console, in any form --url takes, for example:",
                "  postgresql://bouncer:6432/pgbouncer",
                "  \"host=bouncer port=6432 dbname=pgbouncer\"",
                "  jdbc:postgresql://bouncer:6432/pgbouncer",
                "The database defaults to pgbouncer; user and password to the server's unless given or in "
                + "~/.pgpass. Works on a stock PgBouncer (trust, md5, scram, TLS); links pooled connections to "
                + "backends by remote_pid."})
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

    @Option(names = "--show-query-text", description = "SENSITIVE: show query texts whole, with their literals "
            + "(passwords, personal data). By default every literal is shown as a placeholder ($1, $2 ...).")
    boolean showQueryText;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text",
            description = "text (default) or json (documented in docs/diagnose-json.md).")
    Format format;

    @Override
    public Integer call() {
        CliContext ctx = main.context();
        DatabaseLogin login = new DatabaseLogin(ctx, connection.server(ctx));
        PGSimpleDataSource ds = login.server();
        ConnectionSettings console = pgbouncer == null ? null : login.pgBouncer(pgbouncer);
        Diagnosis d;
        try {
            d = inspector(ds, console).diagnose();
        } catch (InspectionException e) {
            // read-only, so asking for the console's password and reading again is harmless
            Optional<ConnectionSettings> typed = e.getCause() instanceof ConsoleException ce
                    ? login.consolePassword(console, ce) : Optional.empty();
            if (typed.isEmpty()) {
                throw e;
            }
            d = inspector(ds, typed.get()).diagnose();
        }
        String target = DatabaseLogin.target(ds) + " as " + ds.getUser();
        if (format == Format.json) {
            ctx.out().println(new DiagnosisJson().render(d, target));
        } else {
            ctx.out().print(new TextReport(ctx.color(), main.verbose, all, this::connectionArguments,
                    TerminalWidth.of(ctx)).render(d, target));
        }
        ctx.out().flush();
        return d.hasProblems() ? 1 : 0;
    }

    /**
     * The connection options as given, to repeat in the printed {@code fix:} commands so that they reach the
     * same server (the PG* environment and files apply to them as they did here). A password in the connection
     * string is left out (the printed command then finds it where libpq does: PGPASSWORD, ~/.pgpass, a prompt).
     */
    private String connectionArguments(String database) {
        List<String> args = new ArrayList<>();
        String url = connection.url;
        String dbname = connection.dbname;
        if (database != null) {
            // the incident is in another database than the one connected to: the fix must connect there
            if (url != null) {
                url = withDatabase(url, database);
            } else if (dbname != null && (dbname.contains("://") || dbname.indexOf('=') >= 0)) {
                dbname = withDatabase(dbname, database);
            } else {
                dbname = database;
            }
        }
        String[][] given = {{"--url", withoutPassword(url)}, {"-h", connection.host},
            {"-p", connection.port}, {"-U", connection.user}, {"-d", withoutPassword(dbname)}};
        for (String[] option : given) {
            if (option[1] != null) {
                args.add(option[0] + " " + (option[1].matches("[\\w@:/.?&=%,+-]+") ? option[1]
                        : "'" + option[1].replace("'", "'\\''") + "'"));
            }
        }
        return String.join(" ", args);
    }

    /**
     * The same connection string naming another database: the path of a URI or JDBC URL is replaced; a
     * keyword/value string gets a trailing {@code dbname=} (the last one wins).
     */
    static String withDatabase(String connection, String database) {
        String t = connection.strip();
        int scheme = t.indexOf("://");
        if (scheme < 0) {
            return t + " dbname='" + database.replace("\\", "\\\\").replace("'", "\\'") + "'";
        }
        int q = t.indexOf('?', scheme + 3);
        String query = q < 0 ? "" : t.substring(q);
        String base = q < 0 ? t : t.substring(0, q);
        int slash = base.indexOf('/', scheme + 3);
        String authority = slash < 0 ? base : base.substring(0, slash);
        return authority + "/" + java.net.URLEncoder.encode(database, java.nio.charset.StandardCharsets.UTF_8)
                .replace("+", "%20") + query;
    }

    /** A connection string without its password: URI userinfo, {@code password=} keyword or query parameter. */
    static String withoutPassword(String connection) {
        if (connection == null) {
            return null;
        }
        return connection.replaceAll("(://[^:/@?]*):[^@/?]*@", "$1@")
                .replaceAll("(?i)([?&])password=[^&]*&?", "$1").replaceAll("[?&]$", "")
                .replaceAll("(?i)\\s*\\bpassword\\s*=\\s*('(?:[^'\\\\]|\\\\.)*'|\\S+)", "");
    }

    private Inspector inspector(PGSimpleDataSource ds, ConnectionSettings console) {
        Inspector.Builder builder = Inspector.builder(ds)
                .options(RuleOptions.defaults().withIdleThreshold(idleThreshold)).fullQueryText(showQueryText);
        namespaces.forEach(builder::namespace);
        if (console != null) {
            builder.pgBouncer(console);
        }
        return builder.build();
    }
}
