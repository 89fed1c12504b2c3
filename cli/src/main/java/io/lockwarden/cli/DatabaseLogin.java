package io.lockwarden.cli;

import io.lockwarden.cli.internal.soak.JdbcUrls;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;
import javax.sql.DataSource;
import org.postgresql.Driver;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Turns {@code --url} (or the {@code PGHOST}, {@code PGPORT}, {@code PGDATABASE}, {@code PGUSER},
 * {@code PGPASSWORD} environment variables) into a verified data source, prompting for a password
 * when the server asks for one and a person is at the terminal. Every failure becomes one
 * {@link CliException} line that names the target (never the password) and the fix. Not thread-safe.
 */
final class DatabaseLogin {
    private final CliContext ctx;
    private final String url;

    /** A login for the given URL, or from the environment when {@code url} is null. */
    DatabaseLogin(CliContext ctx, String url) {
        this.ctx = ctx;
        this.url = url;
    }

    /**
     * Connects once to check the login and returns the data source to use.
     *
     * @throws CliException when the URL is malformed, the host unreachable, the login refused
     */
    PGSimpleDataSource server() {
        return open(resolve(url == null ? fromEnvironment() : url, "PostgreSQL"), "PostgreSQL", false);
    }

    /**
     * Connects once to a PgBouncer admin console and returns the data source to use. The simple query
     * protocol options the console needs are added to the URL when missing.
     *
     * @param consoleUrl {@code jdbc:postgresql://host:port/pgbouncer}
     * @param server     the server login, whose user and password are used unless the URL names its own
     * @throws CliException when the URL is malformed or the console unreachable or refuses the user
     */
    PGSimpleDataSource pgBouncer(String consoleUrl, PGSimpleDataSource server) {
        String u = consoleUrl;
        if (!u.contains("preferQueryMode=")) {
            u += (u.contains("?") ? "&" : "?") + "preferQueryMode=simple";
        }
        if (!u.contains("assumeMinServerVersion=")) {
            u += "&assumeMinServerVersion=9.0";
        }
        PGSimpleDataSource ds = resolve(u, "PgBouncer console");
        if (!"pgbouncer".equals(ds.getDatabaseName())) {
            throw new CliException("--pgbouncer must name the admin console database 'pgbouncer', got '"
                    + ds.getDatabaseName() + "': use jdbc:postgresql://HOST:PORT/pgbouncer");
        }
        if (ds.getUser() == null) {
            ds.setUser(server.getUser());
        }
        if (ds.getPassword() == null) {
            ds.setPassword(server.getPassword());
        }
        return open(ds, "PgBouncer console", true);
    }

    private String fromEnvironment() {
        String host = ctx.getenv("PGHOST").orElse("localhost");
        String port = ctx.getenv("PGPORT").orElse("5432");
        String db = ctx.getenv("PGDATABASE").orElse(ctx.getenv("PGUSER").orElse(System.getProperty("user.name")));
        return "jdbc:postgresql://" + host + ":" + port + "/" + db;
    }

    private PGSimpleDataSource resolve(String jdbcUrl, String what) {
        Properties parsed = jdbcUrl.startsWith("jdbc:postgresql:") ? Driver.parseURL(jdbcUrl, new Properties()) : null;
        if (parsed == null) {
            throw new CliException("malformed " + what + " JDBC URL '" + JdbcUrls.redact(jdbcUrl)
                    + "': expected jdbc:postgresql://HOST:PORT/DATABASE");
        }
        String userInfo = JdbcUrls.userInfoProblem(jdbcUrl);
        if (userInfo != null) {
            throw new CliException("malformed " + what + " JDBC URL '" + JdbcUrls.redact(jdbcUrl) + "': " + userInfo);
        }
        PGSimpleDataSource ds = new PGSimpleDataSource();
        try {
            ds.setURL(jdbcUrl);
        } catch (IllegalArgumentException e) {
            throw new CliException("malformed " + what + " JDBC URL '" + JdbcUrls.redact(jdbcUrl) + "': " + e.getMessage());
        }
        if (ds.getUser() == null || ds.getUser().isEmpty()) {
            ds.setUser(ctx.getenv("PGUSER").orElse(System.getProperty("user.name")));
        }
        if (ds.getPassword() == null) {
            ctx.getenv("PGPASSWORD").ifPresent(ds::setPassword);
        }
        if (ds.getApplicationName() == null || ds.getApplicationName().startsWith("PostgreSQL JDBC")) {
            ds.setApplicationName("lockwarden");
        }
        if (!jdbcUrl.contains("connectTimeout=")) {
            ds.setConnectTimeout(10);
        }
        return ds;
    }

    private PGSimpleDataSource open(PGSimpleDataSource ds, String what, boolean console) {
        try {
            check(ds);
            return ds;
        } catch (SQLException e) {
            if (ds.getPassword() == null && passwordMissing(e) && ctx.interactive() && ctx.passwords() != null) {
                char[] typed = ctx.passwords().read("Password for user " + ds.getUser() + " at " + target(ds) + ": ");
                if (typed != null) {
                    ds.setPassword(new String(typed));
                    try {
                        check(ds);
                        return ds;
                    } catch (SQLException again) {
                        throw translate(again, ds, what, console);
                    }
                }
            }
            throw translate(e, ds, what, console);
        }
    }

    private static void check(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection()) {
            c.isValid(5);
        }
    }

    private static boolean passwordMissing(SQLException e) {
        return e.getMessage() != null && e.getMessage().contains("no password was provided");
    }

    static String target(PGSimpleDataSource ds) {
        return ds.getServerNames()[0] + ":" + (ds.getPortNumbers()[0] == 0 ? 5432 : ds.getPortNumbers()[0]) + "/"
                + ds.getDatabaseName();
    }

    private static CliException translate(SQLException e, PGSimpleDataSource ds, String what, boolean console) {
        String at = what + " at " + target(ds);
        String user = "'" + ds.getUser() + "'";
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String detail = rootMessage(e);
        if (passwordMissing(e)) {
            return new CliException(at + " requires a password for user " + user
                    + ": set PGPASSWORD, or run in a terminal to be prompted", e);
        }
        if (console && (state.startsWith("28") || state.equals("08P01") || detail.contains("not allowed"))) {
            return new CliException(at + " refused user " + user + " (" + detail + "): connect as a user listed in "
                    + "PgBouncer's admin_users or stats_users", e);
        }
        return switch (state) {
            case "28P01" -> new CliException("password authentication failed for user " + user + " at " + at
                    + ": check PGPASSWORD or the password you typed", e);
            case "28000" -> new CliException(at + " refused user " + user + " (" + detail
                    + "): check the role name and pg_hba.conf", e);
            case "3D000" -> new CliException(at + ": database '" + ds.getDatabaseName()
                    + "' does not exist; name an existing database in the URL or PGDATABASE", e);
            default -> new CliException("cannot connect to " + at + " (" + detail
                    + "): check that the server is running and the host and port are right", e);
        };
    }

    private static String rootMessage(Throwable e) {
        String m = e.getMessage();
        if (e.getCause() != null && (m == null || m.startsWith("The connection attempt failed"))) {
            Throwable c = e.getCause();
            m = c.getClass().getSimpleName() + ": " + c.getMessage();
        }
        if (m == null) {
            return e.getClass().getSimpleName();
        }
        return m.lines().findFirst().orElse(m).trim();
    }
}
