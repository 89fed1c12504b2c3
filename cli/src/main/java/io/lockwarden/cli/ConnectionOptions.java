package io.lockwarden.cli;

import io.lockwarden.connect.ConnectionResolver;
import io.lockwarden.connect.ConnectionSettings;
import io.lockwarden.connect.ConnectionSettingsException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The connection options of every command that connects to PostgreSQL, as psql spells them: {@code -h},
 * {@code -p}, {@code -U}, {@code -d} (a database name or a whole connection string) and {@code --url} (a
 * libpq URI, a keyword/value string or a JDBC URL; also accepted as the first argument, as psql does), on top of the libpq environment and files (see
 * {@link ConnectionResolver} and docs/connecting.md). Also the help options: {@code -?} and {@code --help},
 * since {@code -h} means host, as in psql. Use it with {@code @Mixin}. Not thread-safe (picocli fills it).
 */
final class ConnectionOptions {
    @Option(names = {"-?", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    /** The connection string from {@code --url} or the positional argument (one of them). */
    String url;

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--url", paramLabel = "CONNECTION",
            description = {"Server to connect to: a libpq URI, a keyword/value string or a JDBC URL; its values win "
                + "over -h/-p/-U, as in psql. For example:",
                "  postgresql://user@db:5432/app?sslmode=require",
                "  \"host=db port=5432 dbname=app user=ops\"",
                "  jdbc:postgresql://db:5432/app",
                "Default: the PG* environment (PGHOST, PGPORT, PGDATABASE, PGUSER, PGSERVICE, ...). Password: from "
                + "the URI, PGPASSWORD, ~/.pgpass (PGPASSFILE) or a prompt; never printed. See docs/connecting.md."})
    void url(String value) {
        connectionString(value);
    }

    @Parameters(index = "0", arity = "0..1", paramLabel = "CONNECTION",
            description = {"The same as --url, as psql takes it: a URI, a keyword/value string or a database name."})
    void positional(String value) {
        connectionString(value);
    }

    private void connectionString(String value) {
        if (url != null) {
            // not echoed: the second word may be the rest of an unquoted password ("postgresql://u:pa ss@db")
            throw new ParameterException(spec.commandLine(), "give the connection string once: either --url or "
                    + "the first argument, not both; quote a connection string or password that contains spaces");
        }
        url = value;
    }

    @Option(names = {"-h", "--host"}, paramLabel = "HOST", description = "Database server host, or the directory of its "
            + "Unix-domain socket (as psql -h; default PGHOST, else the local server's socket, else localhost).")
    String host;

    @Option(names = {"-p", "--port"}, paramLabel = "PORT", description = "Database server port (as psql -p; default PGPORT, else 5432).")
    String port;

    @Option(names = {"-U", "--username", "--user"}, paramLabel = "USER",
            description = "Database user name (as psql -U; default PGUSER, else the operating-system user).")
    String user;

    @Option(names = {"-d", "--dbname"}, paramLabel = "DBNAME",
            description = "Database name, or a connection string as --url (as psql -d; default PGDATABASE, else the user name).")
    String dbname;

    /**
     * Resolves the server's connection settings; libpq's warnings (an ignored password file) go to stderr.
     *
     * @throws CliException for conflicting options or unusable settings (one line naming the fix)
     */
    ConnectionSettings server(CliContext ctx) {
        if (url != null && dbname != null && looksLikeConnectionString(dbname)) {
            throw new CliException("give the connection string once: either --url or -d, not both");
        }
        Map<String, String> flags = new LinkedHashMap<>();
        flags.put("host", host);
        flags.put("port", port);
        flags.put("user", user);
        String connection = url;
        if (dbname != null) {
            if (url == null) {
                connection = dbname;
            } else {
                flags.put("dbname", dbname);
            }
        }
        String prefix = url != null ? "--url: " : dbname != null && looksLikeConnectionString(dbname) ? "-d: " : "";
        return resolve(ctx, connection, flags, Map.of(), prefix);
    }

    /**
     * Resolves a second connection given as one string (e.g. {@code --pgbouncer}), with the same
     * environment and files.
     *
     * @param option   the option's name, for messages
     * @param defaults libpq keywords used when nothing else names them ({@code user}, {@code dbname})
     * @throws CliException for unusable settings
     */
    static ConnectionSettings resolve(CliContext ctx, String option, String connection, Map<String, String> defaults) {
        Map<String, String> flags = new LinkedHashMap<>();
        flags.put("user", defaults.get("user"));
        Map<String, String> fallback = new LinkedHashMap<>(defaults);
        fallback.remove("user");
        return resolve(ctx, connection, flags, fallback, option + ": ");
    }

    private static ConnectionSettings resolve(CliContext ctx, String connection, Map<String, String> flags,
                                              Map<String, String> defaults, String prefix) {
        Path home = Path.of(ctx.getenv("HOME").orElse(System.getProperty("user.home")));
        ConnectionResolver resolver = ConnectionResolver.of(ctx.env()).home(home)
                .warnings(w -> ctx.err().println("lockwarden: warning: " + w));
        try {
            return resolver.resolve(connection, flags, defaults);
        } catch (ConnectionSettingsException e) {
            throw new CliException(prefix + e.getMessage(), e);
        }
    }

    private static boolean looksLikeConnectionString(String s) {
        return s.indexOf('=') >= 0 || s.contains("://");
    }
}
