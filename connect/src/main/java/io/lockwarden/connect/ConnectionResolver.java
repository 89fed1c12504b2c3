package io.lockwarden.connect;

import io.lockwarden.connect.internal.ConnectionString;
import io.lockwarden.connect.internal.PassFile;
import io.lockwarden.connect.internal.ServiceFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Resolves connection settings the way libpq (and so psql) does, from most to least important:
 * <ol>
 *   <li>the connection string: a libpq URI ({@code postgresql://user@db:5432/app?sslmode=require}), a
 *       keyword/value string ({@code host=db port=5432 dbname=app user=ops}), a pgjdbc URL or a bare
 *       database name. As in psql, its values win over the flags;</li>
 *   <li>the flags ({@code -h -p -U -d}), passed as libpq keywords;</li>
 *   <li>the service named by {@code service=} or {@code PGSERVICE}, from {@code PGSERVICEFILE} or
 *       {@code ~/.pg_service.conf}, else {@code PGSYSCONFDIR/pg_service.conf} (Debian:
 *       {@code /etc/postgresql-common/pg_service.conf});</li>
 *   <li>the environment: {@code PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGPASSWORD PGPASSFILE PGSSLMODE
 *       PGSSLROOTCERT PGAPPNAME PGCONNECT_TIMEOUT};</li>
 *   <li>defaults: host the local server's Unix-domain socket when one exists in {@code /var/run/postgresql} or
 *       {@code /tmp} (as psql), else {@code localhost}, port 5432, user the operating-system user, database the user
 *       (callers may give another, e.g. {@code pgbouncer}), {@code sslmode=prefer}, a 10 s connect timeout;</li>
 *   <li>last, when no password was found: the password file ({@code passfile=}, {@code PGPASSFILE} or
 *       {@code ~/.pgpass}), ignored with a warning when group or others may read it, as libpq does.</li>
 * </ol>
 * Documented with the psql equivalent of each form in {@code docs/connecting.md}. Immutable and thread-safe
 * when its warning sink is.
 */
public final class ConnectionResolver {
    /** The connect timeout when none is given (libpq waits forever; an on-call tool should not). */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private static final Map<String, String> ENVIRONMENT = Map.ofEntries(
            Map.entry("host", "PGHOST"), Map.entry("hostaddr", "PGHOSTADDR"), Map.entry("port", "PGPORT"),
            Map.entry("dbname", "PGDATABASE"), Map.entry("user", "PGUSER"), Map.entry("password", "PGPASSWORD"),
            Map.entry("passfile", "PGPASSFILE"), Map.entry("service", "PGSERVICE"), Map.entry("sslmode", "PGSSLMODE"),
            Map.entry("sslrootcert", "PGSSLROOTCERT"), Map.entry("application_name", "PGAPPNAME"),
            Map.entry("connect_timeout", "PGCONNECT_TIMEOUT"));

    private final Map<String, String> env;
    private final Path home;
    private final String osUser;
    private final Consumer<String> warnings;
    private final List<Path> socketDirectories;

    /** Where libpq builds look for the local server's socket when no host is given: Debian's, then upstream's. */
    public static final List<Path> DEFAULT_SOCKET_DIRECTORIES = List.of(Path.of("/var/run/postgresql"), Path.of("/tmp"));

    private ConnectionResolver(Map<String, String> env, Path home, String osUser, Consumer<String> warnings,
                               List<Path> socketDirectories) {
        this.env = Map.copyOf(env);
        this.home = home;
        this.osUser = osUser;
        this.warnings = warnings;
        this.socketDirectories = List.copyOf(socketDirectories);
    }

    /**
     * The same resolver looking for the local server's Unix-domain socket in these directories, in order, when no
     * host is given ({@link #DEFAULT_SOCKET_DIRECTORIES} by default; empty: always TCP to localhost).
     */
    public ConnectionResolver socketDirectories(List<Path> directories) {
        return new ConnectionResolver(env, home, osUser, warnings, directories);
    }

    /**
     * A resolver reading the given environment variables, the current user's home directory and name, and
     * dropping warnings (use {@link #warnings(Consumer)} to show them).
     */
    public static ConnectionResolver of(Map<String, String> env) {
        return new ConnectionResolver(env, Path.of(System.getProperty("user.home")), System.getProperty("user.name"),
                w -> { }, DEFAULT_SOCKET_DIRECTORIES);
    }

    /** The same resolver with another home directory (where {@code .pgpass} and {@code .pg_service.conf} live). */
    public ConnectionResolver home(Path directory) {
        return new ConnectionResolver(env, Objects.requireNonNull(directory, "directory"), osUser, warnings,
                socketDirectories);
    }

    /** The same resolver with another default user name (the operating-system user by default). */
    public ConnectionResolver osUser(String name) {
        return new ConnectionResolver(env, home, Objects.requireNonNull(name, "name"), warnings, socketDirectories);
    }

    /** The same resolver sending libpq's warnings (an ignored password file) to {@code sink}, one line each. */
    public ConnectionResolver warnings(Consumer<String> sink) {
        return new ConnectionResolver(env, home, osUser, Objects.requireNonNull(sink, "sink"), socketDirectories);
    }

    /**
     * Resolves one connection.
     *
     * @param connection  a connection string in any accepted form, or null
     * @param flags       libpq keywords from command-line flags ({@code host}, {@code port}, {@code user},
     *                    {@code dbname}); null values are ignored
     * @param defaults    what to use for {@code dbname} and {@code application_name} when nothing else names
     *                    them (keys {@code dbname}, {@code application_name}); may be empty
     * @throws ConnectionSettingsException for a malformed string, an unknown keyword, a missing service, a
     *                                     bad port, sslmode or timeout; the message names the fix and no password
     */
    public ConnectionSettings resolve(String connection, Map<String, String> flags, Map<String, String> defaults) {
        Map<String, String> k = new LinkedHashMap<>();
        flags.forEach((key, value) -> {
            if (value != null) {
                k.put(ConnectionString.requireSupported(key), value);
            }
        });
        Map<String, String> jdbcOptions = Map.of();
        String passwordSource = "the command line";
        if (connection != null) {
            ConnectionString parsed = ConnectionString.parse(connection);
            k.putAll(parsed.keywords());
            jdbcOptions = parsed.jdbcOptions();
            passwordSource = "the " + parsed.form();
        }
        Map<String, String> sources = new HashMap<>();
        k.keySet().forEach(key -> sources.put(key, "given"));
        String service = k.containsKey("service") ? k.get("service") : env("PGSERVICE");
        if (service != null) {
            Map<String, String> fromService = service(service);
            fromService.forEach((key, value) -> {
                if (!k.containsKey(key)) {
                    k.put(key, value);
                    sources.put(key, "service " + service);
                }
            });
        }
        ENVIRONMENT.forEach((key, variable) -> {
            String value = env(variable);
            if (!k.containsKey(key) && value != null) {
                k.put(key, value);
                sources.put(key, variable);
            }
        });
        int port = port(k.getOrDefault("port", "5432"));
        boolean hostGiven = k.containsKey("host") && !k.get("host").isEmpty();
        boolean hostaddrGiven = k.containsKey("hostaddr") && !k.get("hostaddr").isEmpty();
        String host;
        if (hostGiven) {
            host = k.get("host");
        } else if (hostaddrGiven) {
            host = k.get("hostaddr");
        } else {
            // as psql: no host at all means the local server's Unix-domain socket, when there is one
            host = socketDirectories.stream().filter(d -> java.nio.file.Files.exists(d.resolve(".s.PGSQL." + port)))
                    .map(Path::toString).findFirst().orElse("localhost");
        }
        if (host.startsWith("@")) {
            throw new ConnectionSettingsException("host starting with '@' (an abstract Unix-domain socket) is not "
                    + "supported: name the socket directory, e.g. host=/var/run/postgresql, or a TCP host");
        }
        boolean socket = host.startsWith("/");
        if (socket) {
            if (!java.nio.file.Files.isDirectory(Path.of(host))) {
                throw new ConnectionSettingsException("host " + host + " is not a directory: a Unix-domain socket is "
                        + "named by its directory (as psql -h /var/run/postgresql), or give a TCP host");
            }
        } else {
            HostName.require(host, hostGiven ? "host" : "hostaddr");
        }
        if (hostaddrGiven) {
            HostName.require(k.get("hostaddr"), "hostaddr");
        }
        String user = nonEmpty(k.get("user"), osUser);
        String database = nonEmpty(k.get("dbname"), defaults.getOrDefault("dbname", user));
        SslMode sslMode = SslMode.parse(k.getOrDefault("sslmode", "prefer"));
        if (socket) {
            if (sslMode != SslMode.PREFER && sslMode != SslMode.ALLOW && sslMode != SslMode.DISABLE) {
                throw new ConnectionSettingsException("sslmode=" + sslMode.keyword() + " cannot be met over the Unix-"
                        + "domain socket in " + host + " (PostgreSQL offers no TLS there): use sslmode=prefer, or "
                        + "connect over TCP with -h HOST");
            }
            sslMode = SslMode.DISABLE; // as libpq: TLS is never tried over a Unix-domain socket
        }
        Optional<Path> rootCert = Optional.ofNullable(k.get("sslrootcert")).filter(s -> !s.isEmpty()).map(Path::of);
        String app = k.containsKey("application_name") ? k.get("application_name")
                : k.getOrDefault("fallback_application_name", defaults.getOrDefault("application_name", "lockwarden"));
        Duration timeout = timeout(k.get("connect_timeout"));
        Optional<Password> password = Optional.empty();
        if (k.containsKey("password") && !k.get("password").isEmpty()) {
            String source = sources.get("password");
            password = Optional.of(Password.of(k.get("password"), "given".equals(source) ? passwordSource : source));
        } else {
            Path passFile = k.containsKey("passfile") ? Path.of(k.get("passfile")) : home.resolve(".pgpass");
            // libpq matches a Unix-domain socket connection against the host name "localhost" in the password file
            String lookupHost = socket ? "localhost"
                    : k.containsKey("host") && !k.get("host").isEmpty() ? host : k.getOrDefault("hostaddr", host);
            password = PassFile.lookup(passFile, lookupHost, port, database, user, warnings)
                    .map(p -> Password.of(p, "password file " + passFile));
        }
        return new ConnectionSettings(host, port, database, user, password, sslMode, rootCert, app, timeout, jdbcOptions);
    }

    private Map<String, String> service(String name) {
        String userFile = env("PGSERVICEFILE");
        Path user = userFile != null ? Path.of(userFile) : home.resolve(".pg_service.conf");
        String sysconf = env("PGSYSCONFDIR");
        List<Path> files = List.of(user, sysconf != null ? Path.of(sysconf, "pg_service.conf")
                : Path.of("/etc/postgresql-common/pg_service.conf"));
        for (Path file : files) {
            Optional<Map<String, String>> section = ServiceFile.section(file, name);
            if (section.isPresent()) {
                section.get().keySet().forEach(ConnectionString::requireSupported);
                return section.get();
            }
        }
        throw new ConnectionSettingsException("definition of service \"" + name + "\" not found in " + files.get(0)
                + " or " + files.get(1) + ": add a [" + name + "] section or fix PGSERVICE / service=");
    }

    private static int port(String text) {
        try {
            int p = Integer.parseInt(text.strip());
            if (p >= 1 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        // echoed only when it is plainly a number: "postgresql://u:pa ss@h" split by the shell makes the password the port
        String shown = text.strip().matches("[0-9]{1,12}") ? " \"" + text.strip() + "\"" : "";
        throw new ConnectionSettingsException("invalid port number" + shown + ": use 1..65535, e.g. 5432 (quote a "
                + "connection string that contains spaces)");
    }

    private static Duration timeout(String text) {
        if (text == null || text.isBlank()) {
            return DEFAULT_CONNECT_TIMEOUT;
        }
        try {
            int seconds = Integer.parseInt(text.strip());
            // libpq: zero or negative waits forever, and 1 means 2 (a timeout that short is unreliable)
            return seconds <= 0 ? Duration.ZERO : Duration.ofSeconds(Math.max(2, seconds));
        } catch (NumberFormatException e) {
            throw new ConnectionSettingsException("invalid connect_timeout \"" + text + "\": use whole seconds, e.g. 10");
        }
    }

    private String env(String name) {
        String v = env.get(name);
        return v == null || v.isEmpty() ? null : v;
    }

    private static String nonEmpty(String value, String fallback) {
        return value == null || value.isEmpty() ? fallback : value;
    }
}
