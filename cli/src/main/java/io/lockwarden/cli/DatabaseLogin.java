package io.lockwarden.cli;

import io.lockwarden.connect.ConnectionSettings;
import io.lockwarden.connect.ConsoleException;
import io.lockwarden.connect.Password;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Turns resolved connection settings ({@link ConnectionOptions}) into a verified data source, prompting for
 * a password when the server asks for one and a person is at the terminal. Every failure becomes one
 * {@link CliException} line that names the target (never the password) and the fix. Not thread-safe.
 */
final class DatabaseLogin {
    private final CliContext ctx;
    private ConnectionSettings settings;

    /** A login with these settings. */
    DatabaseLogin(CliContext ctx, ConnectionSettings settings) {
        this.ctx = ctx;
        this.settings = settings;
    }

    /** The settings, including a password typed at the prompt once {@link #server()} has asked for one. */
    ConnectionSettings settings() {
        return settings;
    }

    /**
     * Connects once to check the login and returns the data source to use.
     *
     * @throws CliException when the host is unreachable, the login refused, the database missing
     */
    PGSimpleDataSource server() {
        try {
            return check(settings);
        } catch (SQLException e) {
            if (settings.password().isEmpty() && passwordMissing(e)) {
                ConnectionSettings typed = prompt(settings).orElseThrow(() -> translate(e, settings));
                try {
                    PGSimpleDataSource ds = check(typed);
                    settings = typed;
                    return ds;
                } catch (SQLException again) {
                    throw translate(again, typed);
                }
            }
            throw translate(e, settings);
        }
    }

    /**
     * The PgBouncer console settings for {@code --pgbouncer}: its own user and password when the string,
     * environment or password file give them, else the server login's.
     *
     * @throws CliException when the string is unusable or names a database other than {@code pgbouncer}
     */
    ConnectionSettings pgBouncer(String console) {
        ConnectionSettings c = ConnectionOptions.resolve(ctx, "--pgbouncer", console,
                Map.of("user", settings.user(), "dbname", "pgbouncer"));
        if (!"pgbouncer".equals(c.database())) {
            throw new CliException("--pgbouncer must name the admin console database 'pgbouncer', got '"
                    + c.database() + "': use postgresql://HOST:PORT/pgbouncer");
        }
        if (c.password().isEmpty() && c.user().equals(settings.user()) && settings.password().isPresent()) {
            c = c.withPassword(settings.password().get());
        }
        return c;
    }

    /**
     * Asks for the console password when the console wants one and a person is at the terminal.
     *
     * @return the settings with the typed password, or empty when {@code e} is not a missing password or
     *         nobody can type one
     */
    Optional<ConnectionSettings> consolePassword(ConnectionSettings console, ConsoleException e) {
        if (e.failure() != ConsoleException.Failure.PASSWORD_REQUIRED) {
            return Optional.empty();
        }
        return prompt(console);
    }

    private Optional<ConnectionSettings> prompt(ConnectionSettings s) {
        if (!ctx.interactive() || ctx.passwords() == null) {
            return Optional.empty();
        }
        char[] typed = ctx.passwords().read("Password for user " + s.user() + " at " + s.target() + ": ");
        return typed == null ? Optional.empty()
                : Optional.of(s.withPassword(Password.of(new String(typed), "the prompt")));
    }

    private static PGSimpleDataSource check(ConnectionSettings s) throws SQLException {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        try {
            ds.setURL(s.jdbcUrl());
        } catch (IllegalArgumentException e) {
            throw new CliException("cannot use the connection settings for " + s.target() + ": " + e.getMessage(), e);
        }
        ds.setUser(s.user());
        s.password().ifPresent(p -> ds.setPassword(p.reveal()));
        try (Connection c = ds.getConnection()) {
            c.isValid(5);
        }
        return ds;
    }

    private static boolean passwordMissing(SQLException e) {
        return e.getMessage() != null && e.getMessage().contains("no password was provided");
    }

    static String target(PGSimpleDataSource ds) {
        if (ds.getSocketFactoryArg() != null) {
            // a Unix-domain socket (junixsocket's factory gets the socket file): show where, as psql does
            return "socket " + ds.getSocketFactoryArg() + "/" + ds.getDatabaseName();
        }
        return ds.getServerNames()[0] + ":" + (ds.getPortNumbers()[0] == 0 ? 5432 : ds.getPortNumbers()[0]) + "/"
                + ds.getDatabaseName();
    }

    private static CliException translate(SQLException e, ConnectionSettings s) {
        String at = "PostgreSQL at " + s.target();
        String user = "'" + s.user() + "'";
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String detail = rootMessage(e);
        if (passwordMissing(e)) {
            return new CliException(at + " requires a password for user " + user
                    + ": set PGPASSWORD, add it to ~/.pgpass, or run in a terminal to be prompted", e);
        }
        if (detail.contains("does not support SSL")) {
            return new CliException(at + " does not offer TLS, which sslmode=" + s.sslMode().keyword()
                    + " requires: use sslmode=prefer (PGSSLMODE), or turn on ssl in postgresql.conf", e);
        }
        if (detail.contains("Peer authentication failed")) {
            return new CliException(at + " uses peer authentication, which admits only the operating-system user of "
                    + "the same name as role " + user + ": run as that user (sudo -u " + s.user() + " lockwarden ...), "
                    + "or give -U with your own role, or connect over TCP with -h HOST", e);
        }
        return switch (state) {
            case "28P01" -> new CliException("password authentication failed for user " + user + " at " + at
                    + s.password().map(p -> " (password from " + p.source() + ")").orElse("")
                    + ": check PGPASSWORD, ~/.pgpass or the password you typed", e);
            case "28000" -> new CliException(at + " refused user " + user + " (" + detail
                    + "): check the role name and pg_hba.conf", e);
            case "3D000" -> new CliException(at + ": database '" + s.database()
                    + "' does not exist; name an existing database with -d, the URL or PGDATABASE", e);
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
