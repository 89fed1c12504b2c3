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
 * The data sources of one target: sampling, leader lock and PgBouncer console. The password is looked up at
 * every connection (an environment variable, the first line of a file, or, when neither is configured,
 * pgjdbc's own {@code .pgpass} lookup), so a rotated secret is picked up and the password is never kept in
 * the configuration. Thread-safe.
 */
public final class TargetLogin {
    /** {@code application_name} of the sampling and enforcing session. */
    public static final String APPLICATION_NAME = "lockwarden-watch";

    private final TargetConfig config;

    /** The login of one target. */
    public TargetLogin(TargetConfig config) {
        this.config = config;
    }

    /** Opens a sampling connection (autocommit). @throws SQLException when the server refuses or is down */
    public Connection connect() throws SQLException {
        return source(config.connection(), APPLICATION_NAME, config.user(), config.password()).getConnection();
    }

    /** The data source the leader lock uses (its own sessions, application_name {@link LeaderElection#APPLICATION_NAME}). */
    public DataSource leaderDataSource() {
        return source(config.connection(), LeaderElection.APPLICATION_NAME, config.user(), config.password());
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

    /** host:port/database as user. */
    public String describe() {
        PGSimpleDataSource ds = base(config.connection(), APPLICATION_NAME, config.user());
        int port = ds.getPortNumbers()[0] == 0 ? 5432 : ds.getPortNumbers()[0];
        return ds.getServerNames()[0] + ":" + port + "/" + ds.getDatabaseName()
                + (ds.getUser() == null ? "" : " as " + ds.getUser());
    }

    private static PGSimpleDataSource base(String url, String app, String user) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        try {
            ds.setURL(url);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("target connection '" + url + "' is not a valid JDBC URL: " + e.getMessage());
        }
        if (user != null) {
            ds.setUser(user);
        } else if (ds.getUser() == null && System.getenv("PGUSER") != null) {
            ds.setUser(System.getenv("PGUSER"));
        }
        ds.setApplicationName(app);
        if (!url.contains("connectTimeout=")) {
            ds.setConnectTimeout(10);
        }
        if (!url.contains("socketTimeout=")) {
            ds.setSocketTimeout(60);
        }
        return ds;
    }

    private DataSource source(String url, String app, String user, TargetConfig.Secret secret) {
        PGSimpleDataSource ds = base(url, app, user);
        return new SecretSource(ds, secret, config.name());
    }

    /** Reads the password when connecting. */
    private static final class SecretSource implements DataSource {
        private final PGSimpleDataSource ds;
        private final TargetConfig.Secret secret;
        private final String target;

        SecretSource(PGSimpleDataSource ds, TargetConfig.Secret secret, String target) {
            this.ds = ds;
            this.secret = secret;
            this.target = target;
        }

        @Override
        public Connection getConnection() throws SQLException {
            String password = password();
            return password == null ? ds.getConnection() : ds.getConnection(ds.getUser(), password);
        }

        private String password() throws SQLException {
            return read(secret, target);
        }

        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            return ds.getConnection(username, password);
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
            ds.setLoginTimeout(seconds);
        }

        @Override
        public int getLoginTimeout() {
            return ds.getLoginTimeout();
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException();
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            if (iface.isInstance(ds)) {
                return iface.cast(ds);
            }
            throw new SQLException("not a wrapper for " + iface);
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return iface.isInstance(ds);
        }
    }
}
