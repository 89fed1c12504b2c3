package io.lockwarden.connect;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;

/**
 * Where and how to connect, fully resolved (see {@link ConnectionResolver}): one host and port, a database,
 * a user, the password if one was found, TLS settings, the application name and the connect timeout. Turns
 * itself into what pgjdbc needs ({@link #jdbcUrl()} and {@link #jdbcProperties()}) and is what
 * {@link PgBouncerConsole} connects with. {@link #toString()} never shows the password. Immutable and
 * thread-safe.
 *
 * @param host            host name or IP address (TCP), or the absolute path of the directory holding the
 *                        server's Unix-domain socket ({@code .s.PGSQL.PORT}), as libpq's {@code host}
 * @param port            TCP port
 * @param database        database name ({@code pgbouncer} for the PgBouncer console)
 * @param user            role name
 * @param password        the password and its source, when one was given or found
 * @param sslMode         libpq's {@code sslmode}
 * @param sslRootCert     root certificate file for {@link SslMode#VERIFY_CA}/{@link SslMode#VERIFY_FULL}, when
 *                        given; otherwise libpq's default {@code ~/.postgresql/root.crt} is used
 * @param applicationName {@code application_name} sent at startup
 * @param connectTimeout  how long to wait for the connection and the login
 * @param jdbcOptions     further pgjdbc URL parameters given in a JDBC URL (e.g. {@code prepareThreshold}),
 *                        passed through to {@link #jdbcUrl()} unchanged; never {@code password}
 */
public record ConnectionSettings(String host, int port, String database, String user, Optional<Password> password,
                                 SslMode sslMode, Optional<Path> sslRootCert, String applicationName,
                                 Duration connectTimeout, Map<String, String> jdbcOptions) {

    /**
     * Validates the parts.
     *
     * @throws NullPointerException     for a missing part
     * @throws IllegalArgumentException for a host that is not a host name or IP address ({@link HostName}), a
     *                                  port outside 1..65535 or a negative timeout
     */
    public ConnectionSettings {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(sslMode, "sslMode");
        Objects.requireNonNull(sslRootCert, "sslRootCert");
        Objects.requireNonNull(applicationName, "applicationName");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        if (!HostName.valid(host) && !host.startsWith("/")) {
            throw new IllegalArgumentException("host must be a host name, an IP address (see HostName) or an "
                    + "absolute socket directory");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1..65535, got " + port);
        }
        if (connectTimeout.isNegative()) {
            throw new IllegalArgumentException("connectTimeout must not be negative");
        }
        jdbcOptions = Map.copyOf(jdbcOptions);
        if (jdbcOptions.keySet().stream().anyMatch(k -> k.equalsIgnoreCase("password") || k.equalsIgnoreCase("user"))) {
            throw new IllegalArgumentException("jdbcOptions must not carry the user or password");
        }
    }

    /** True when {@link #host()} is a directory: the connection goes through a Unix-domain socket. */
    public boolean unixSocket() {
        return host.startsWith("/");
    }

    /**
     * The socket file of a Unix-domain connection, {@code host/.s.PGSQL.port}, as libpq names it.
     *
     * @throws IllegalStateException for a TCP connection
     */
    public Path unixSocketFile() {
        if (!unixSocket()) {
            throw new IllegalStateException("not a Unix-domain socket connection: " + target());
        }
        return Path.of(host, ".s.PGSQL." + port);
    }

    /**
     * {@code host:port/database}, for messages (IPv6 addresses in brackets); for a Unix-domain socket
     * {@code socket /dir/.s.PGSQL.port/database}.
     */
    public String target() {
        if (unixSocket()) {
            return "socket " + unixSocketFile() + "/" + database;
        }
        return hostForUrl() + ":" + port + "/" + database;
    }

    /**
     * The pgjdbc URL for these settings, without user or password (those are in {@link #jdbcProperties()}):
     * {@code jdbc:postgresql://host:port/db?sslmode=...&ApplicationName=...&connectTimeout=...&loginTimeout=...} plus any
     * {@link #jdbcOptions()}; for a Unix-domain socket, host {@code localhost} with junixsocket's
     * {@code socketFactory} and the socket file as {@code socketFactoryArg}. Safe to show.
     */
    public String jdbcUrl() {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("sslmode", sslMode.keyword());
        sslRootCert.ifPresent(p -> params.put("sslrootcert", p.toString()));
        params.put("ApplicationName", applicationName);
        String seconds = Long.toString(connectTimeout.isZero() ? 0 : Math.max(1, connectTimeout.toSeconds()));
        params.put("connectTimeout", seconds);
        params.put("loginTimeout", seconds); // connectTimeout bounds only the TCP connect; this the whole login
        params.putAll(new java.util.TreeMap<>(jdbcOptions));
        if (unixSocket()) {
            // pgjdbc has no Unix-domain sockets of its own; junixsocket's factory connects to the socket file
            params.put("sslmode", "disable");
            params.put("socketFactory", UNIX_SOCKET_FACTORY);
            params.put("socketFactoryArg", unixSocketFile().toString());
        }
        StringBuilder s = new StringBuilder("jdbc:postgresql://").append(hostForUrl()).append(':').append(port)
                .append('/').append(encode(database));
        char sep = '?';
        for (Map.Entry<String, String> e : params.entrySet()) {
            s.append(sep).append(encode(e.getKey())).append('=').append(encode(e.getValue()));
            sep = '&';
        }
        return s.toString();
    }

    /** The pgjdbc connection properties: {@code user}, and {@code password} when known. Contains the secret. */
    public Properties jdbcProperties() {
        Properties p = new Properties();
        p.setProperty("user", user);
        password.ifPresent(pw -> p.setProperty("password", pw.reveal()));
        return p;
    }

    /** The same settings connecting to another database. */
    public ConnectionSettings withDatabase(String name) {
        return new ConnectionSettings(host, port, name, user, password, sslMode, sslRootCert, applicationName,
                connectTimeout, jdbcOptions);
    }

    /** The same settings with this password (e.g. one typed at a prompt). */
    public ConnectionSettings withPassword(Password newPassword) {
        return new ConnectionSettings(host, port, database, user, Optional.of(newPassword), sslMode, sslRootCert,
                applicationName, connectTimeout, jdbcOptions);
    }

    /** {@code host:port/database as user (sslmode=..., password ***)}: never the password. */
    @Override
    public String toString() {
        return target() + " as " + user + " (sslmode=" + sslMode.keyword()
                + password.map(p -> ", password " + p).orElse(", no password") + ")";
    }

    /** pgjdbc's socket factory for Unix-domain sockets (junixsocket), given the socket file as its argument. */
    static final String UNIX_SOCKET_FACTORY = "org.newsclub.net.unix.AFUNIXSocketFactory$FactoryArg";

    private String hostForUrl() {
        if (unixSocket()) {
            return "localhost";
        }
        return host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
