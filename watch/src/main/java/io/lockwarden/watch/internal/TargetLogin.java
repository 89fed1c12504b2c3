package io.lockwarden.watch.internal;

import io.lockwarden.connect.ConnectionResolver;
import io.lockwarden.connect.ConnectionSettings;
import io.lockwarden.connect.ConnectionSettingsException;
import io.lockwarden.connect.Password;
import io.lockwarden.watch.ConfigException;
import io.lockwarden.watch.TargetConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.HashMap;
import java.util.Map;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The data sources of one target: sampling, leader lock and PgBouncer console. Every connection is resolved by
 * the connect module's {@link ConnectionResolver}, as psql would: the target's {@code connection} in any form (a
 * libpq URI, a keyword/value string, a pgjdbc URL), then {@code PG*} variables, a service file, and last the
 * password file. The password is looked up at every connection (an environment variable or the first line of a
 * file when configured, else {@code PGPASSWORD} or {@code .pgpass} through the resolver), so a rotated secret is
 * picked up and the password is never kept in the configuration. Thread-safe.
 */
public final class TargetLogin {
    /** {@code application_name} of the sampling and enforcing session. */
    public static final String APPLICATION_NAME = "lockwarden-watch";

    private final TargetConfig config;

    /** The login of one target. */
    public TargetLogin(TargetConfig config) {
        this.config = config;
    }

    /**
     * Opens a sampling connection (autocommit).
     *
     * @throws SQLException    when the server refuses or is down, or a configured password cannot be read
     * @throws ConfigException when the connection string cannot be resolved (a {@code PG*} variable changed)
     */
    public Connection connect() throws SQLException {
        return dataSource(settings(APPLICATION_NAME)).getConnection();
    }

    /** The data source the leader lock uses (its own sessions, application_name {@link LeaderElection#APPLICATION_NAME}). */
    public DataSource leaderDataSource() {
        return new ResolvingSource(this, LeaderElection.APPLICATION_NAME);
    }

    /**
     * The target's settings as of now for a session named {@code app} (which always wins: the watchdog's sessions
     * are recognisable), with the configured password, if any, read now.
     */
    ConnectionSettings settings(String app) throws SQLException {
        ConnectionSettings s = resolved(app);
        s = new ConnectionSettings(s.host(), s.port(), s.database(), s.user(), s.password(), s.sslMode(),
                s.sslRootCert(), app, s.connectTimeout(), s.jdbcOptions());
        TargetConfig.Secret secret = config.password();
        String password = read(secret, config.name());
        return password == null ? s : s.withPassword(Password.of(password, describe(secret)));
    }

    private ConnectionSettings resolved(String app) {
        Map<String, String> flags = new HashMap<>();
        if (config.user() != null) {
            flags.put("user", config.user());
        }
        try {
            return ConnectionResolver.of(System.getenv()).resolve(config.connection(), flags,
                    Map.of("application_name", app));
        } catch (ConnectionSettingsException e) {
            throw new ConfigException("target " + config.name() + ": connection: " + e.getMessage(), e);
        }
    }

    private static PGSimpleDataSource dataSource(ConnectionSettings s) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(s.jdbcUrl());
        ds.setUser(s.user());
        s.password().ifPresent(p -> ds.setPassword(p.reveal()));
        if (!s.jdbcOptions().containsKey("socketTimeout")) {
            ds.setSocketTimeout(60);
        }
        return ds;
    }

    /**
     * The PgBouncer console's settings, resolved like every Lockwarden connection (the connection string in any
     * libpq or JDBC form, {@code PG*} variables, {@code .pgpass}), or null when none is configured. Its password is
     * read now (at start and at each reload), not at each connection.
     *
     * @throws ConfigException when the console's connection string or password cannot be used
     */
    public ConnectionSettings console() {
        TargetConfig.Console c = config.pgBouncer();
        if (c == null) {
            return null;
        }
        Map<String, String> flags = new HashMap<>();
        String user = c.user() == null ? config.user() : c.user();
        if (user != null) {
            flags.put("user", user);
        }
        try {
            ConnectionSettings s = ConnectionResolver.of(System.getenv()).resolve(c.connection(), flags,
                    Map.of("dbname", "pgbouncer", "application_name", APPLICATION_NAME));
            TargetConfig.Secret secret = c.password() == null ? config.password() : c.password();
            String password = read(secret, config.name());
            return password == null ? s : s.withPassword(Password.of(password, describe(secret)));
        } catch (ConnectionSettingsException | SQLException e) {
            throw new ConfigException("target " + config.name() + ": pgbouncer: " + e.getMessage(), e);
        }
    }

    private static String describe(TargetConfig.Secret secret) {
        return secret.env() != null ? "password_env " + secret.env()
                : secret.file() != null ? "password_file " + secret.file() : "the command line";
    }

    /** The password a secret names (environment variable, file, or given by code), or null for .pgpass. */
    static String read(TargetConfig.Secret secret, String target) throws SQLException {
        if (secret.literal() != null) {
            return secret.literal();
        }
        if (secret.env() != null) {
            String v = System.getenv(secret.env());
            if (v == null) {
                throw new SQLException("target " + target + ": environment variable " + secret.env()
                        + " (password_env) is not set", "28P01");
            }
            return v;
        }
        if (secret.file() != null) {
            try {
                return Files.readAllLines(secret.file()).stream().findFirst().orElse("");
            } catch (IOException e) {
                throw new SQLException("target " + target + ": cannot read password_file " + secret.file() + " ("
                        + e.getClass().getSimpleName() + ")", "28P01", e);
            }
        }
        return null;
    }

    /** host:port/database as user (never the password). @throws ConfigException when it cannot be resolved */
    public String describe() {
        ConnectionSettings s = resolved(APPLICATION_NAME);
        return s.target() + " as " + s.user();
    }

    /** Resolves the settings and reads the password at each connection. */
    private static final class ResolvingSource implements DataSource {
        private final TargetLogin login;
        private final String app;
        private int loginTimeout;

        ResolvingSource(TargetLogin login, String app) {
            this.login = login;
            this.app = app;
        }

        @Override
        public Connection getConnection() throws SQLException {
            return dataSource(login.settings(app)).getConnection();
        }

        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            return dataSource(login.settings(app)).getConnection(username, password);
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {
            // not used
        }

        @Override
        public void setLoginTimeout(int seconds) {
            loginTimeout = seconds; // the connect timeout of the resolved settings bounds the login
        }

        @Override
        public int getLoginTimeout() {
            return loginTimeout;
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException();
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            throw new SQLException("not a wrapper for " + iface);
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return false;
        }
    }
}
