package io.lockwarden.connect;

import com.ongres.scram.client.ScramClient;
import com.ongres.scram.common.exception.ScramException;
import io.lockwarden.connect.ConsoleException.Failure;
import io.lockwarden.connect.internal.Messages;
import io.lockwarden.connect.internal.Messages.Message;
import io.lockwarden.connect.internal.TlsSockets;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLException;

/**
 * A connection to PgBouncer's admin console that works on every PgBouncer 1.x configuration, stock ones
 * included: the startup packet carries only {@code user}, {@code database} and {@code application_name}
 * (pgjdbc adds parameters and a {@code SET} the console rejects), and commands go as simple {@code Query}
 * messages, the only protocol the console speaks. Authentication: trust, cleartext, md5 and SCRAM-SHA-256;
 * TLS as {@link ConnectionSettings#sslMode()} says. Admin and statistics users alike ({@code SHOW ...} works
 * for both; {@code RECONNECT}, {@code KILL} need an admin).
 *
 * <pre>{@code
 * try (PgBouncerConsole console = PgBouncerConsole.connect(settings.withDatabase("pgbouncer"))) {
 *     List<List<Map<String, String>>> r = console.queryAll(List.of("SHOW SERVERS", "SHOW POOLS"));
 * }
 * }</pre>
 *
 * <p>Every wait (connect, login, each answer) is bounded by {@link ConnectionSettings#connectTimeout()}
 * (none when zero). Every failure is a {@link ConsoleException} whose {@link ConsoleException#failure()} says
 * which case it is and whose message is one line without the password. Not thread-safe: one caller at a time.
 */
public final class PgBouncerConsole implements AutoCloseable {
    private final ConnectionSettings settings;
    private final Socket socket;
    private final Messages wire;
    private final String serverVersion;
    private int roundTrips;

    private PgBouncerConsole(ConnectionSettings settings, Socket socket, Messages wire, String serverVersion,
                             int roundTrips) {
        this.settings = settings;
        this.socket = socket;
        this.wire = wire;
        this.serverVersion = serverVersion;
        this.roundTrips = roundTrips;
    }

    /**
     * Connects and logs in.
     *
     * @throws ConsoleException with {@link Failure#UNREACHABLE}, {@link Failure#TIMEOUT}, a TLS failure,
     *                          {@link Failure#PASSWORD_REQUIRED}, {@link Failure#WRONG_PASSWORD},
     *                          {@link Failure#NOT_ALLOWED}, {@link Failure#NOT_A_CONSOLE},
     *                          {@link Failure#UNSUPPORTED_AUTHENTICATION} or {@link Failure#REFUSED}
     */
    public static PgBouncerConsole connect(ConnectionSettings settings) {
        if (settings.sslMode() == SslMode.ALLOW) {
            try {
                return login(settings, false);
            } catch (ConsoleException e) {
                if (e.failure() != Failure.TLS_REQUIRED) {
                    throw e;
                }
                return login(settings, true); // libpq's allow: plain first, TLS when the server insists
            }
        }
        return login(settings, settings.sslMode() != SslMode.DISABLE);
    }

    /** The {@code server_version} the console reported, e.g. {@code 1.18.0/bouncer}. */
    public String serverVersion() {
        return serverVersion;
    }

    /** How many times this client has waited for an answer so far (TLS negotiation, login and queries). */
    public int roundTrips() {
        return roundTrips;
    }

    /**
     * Runs one console command and returns its rows (column name to text value, in column order; empty for
     * commands without rows, such as {@code RECONNECT}).
     *
     * @throws ConsoleException {@link Failure#COMMAND_FAILED}, {@link Failure#ADMIN_REQUIRED} or
     *                          {@link Failure#CONNECTION_LOST}
     */
    public List<Map<String, String>> query(String command) {
        return queryAll(List.of(command)).get(0);
    }

    /**
     * Runs several console commands in one round trip (all queries are sent, then all answers read) and
     * returns the rows of each, in order.
     *
     * @throws ConsoleException as {@link #query(String)}, for the first command that failed; the connection
     *                          stays usable after a failed command
     */
    public List<List<Map<String, String>>> queryAll(List<String> commands) {
        List<List<Map<String, String>>> results = new ArrayList<>();
        ConsoleException failed = null;
        try {
            commands.forEach(wire::query);
            wire.flush();
            roundTrips++;
            for (String command : commands) {
                List<Map<String, String>> rows = new ArrayList<>();
                List<String> columns = List.of();
                while (true) {
                    Message m = wire.read();
                    switch (m.type()) {
                        case 'T' -> columns = columns(m.body());
                        case 'D' -> rows.add(row(m.body(), columns));
                        case 'E' -> {
                            if (failed == null) {
                                failed = commandFailed(command, m.fields());
                            }
                        }
                        default -> {
                            // CommandComplete, notices, parameter status: nothing to keep
                        }
                    }
                    if (m.type() == 'Z') {
                        break;
                    }
                }
                results.add(rows);
            }
        } catch (SocketTimeoutException e) {
            throw new ConsoleException(Failure.TIMEOUT, at(settings) + " did not answer '" + commands.get(0)
                    + "' within " + settings.connectTimeout().toSeconds() + " s: check the pooler's load, or raise "
                    + "connect_timeout", e);
        } catch (IOException e) {
            throw new ConsoleException(Failure.CONNECTION_LOST, at(settings) + " closed the connection during '"
                    + commands.get(0) + "' (" + e.getMessage() + "): check that PgBouncer is still running", e);
        }
        if (failed != null) {
            throw failed;
        }
        return results;
    }

    /** Says goodbye (Terminate) and closes the socket; never throws. Idempotent. */
    @Override
    public void close() {
        if (socket.isClosed()) {
            return;
        }
        try {
            wire.send('X', new byte[0]);
            wire.flush();
        } catch (IOException e) {
            // closing anyway
        }
        try {
            socket.close();
        } catch (IOException e) {
            // nothing left to do
        }
    }

    private ConsoleException commandFailed(String command, Map<Character, String> fields) {
        String message = fields.getOrDefault('M', "error");
        if (message.contains("admin access needed")) {
            return new ConsoleException(Failure.ADMIN_REQUIRED, at(settings) + ": '" + command + "' needs an admin, "
                    + "and user '" + settings.user() + "' is only in stats_users: add it to admin_users");
        }
        return new ConsoleException(Failure.COMMAND_FAILED, at(settings) + " rejected '" + command + "': " + message);
    }

    private static PgBouncerConsole login(ConnectionSettings s, boolean tls) {
        int timeoutMs = (int) Math.min(Integer.MAX_VALUE, s.connectTimeout().toMillis());
        Socket socket;
        try {
            socket = s.unixSocket() ? org.newsclub.net.unix.AFUNIXSocket.newInstance() : new Socket();
        } catch (IOException e) {
            throw new ConsoleException(Failure.UNREACHABLE, at(s) + ": cannot open a Unix-domain socket ("
                    + e.getMessage() + "): connect over TCP with -h HOST", e);
        }
        try {
            if (s.unixSocket()) {
                socket.connect(org.newsclub.net.unix.AFUNIXSocketAddress.of(s.unixSocketFile().toFile()), timeoutMs);
            } else {
                socket.connect(new InetSocketAddress(s.host(), s.port()), timeoutMs);
                socket.setTcpNoDelay(true);
            }
            socket.setSoTimeout(timeoutMs);
            int roundTrips = 0;
            Socket channel = socket;
            if (tls) {
                Messages plain = new Messages(socket.getInputStream(), socket.getOutputStream());
                ByteArrayOutputStream request = new ByteArrayOutputStream();
                Messages.writeInt(request, 8);
                Messages.writeInt(request, 80877103);
                socket.getOutputStream().write(request.toByteArray());
                socket.getOutputStream().flush();
                roundTrips++;
                int answer = plain.readByte();
                if (answer == 'S') {
                    channel = TlsSockets.upgrade(socket, s.host(), s.port(), s.sslMode(), rootCert(s));
                } else if (answer != 'N') {
                    throw new ConsoleException(Failure.NOT_A_CONSOLE, at(s) + " did not answer as PgBouncer or "
                            + "PostgreSQL does: check the host and port");
                } else if (s.sslMode() != SslMode.PREFER && s.sslMode() != SslMode.ALLOW) {
                    throw new ConsoleException(Failure.TLS_REFUSED, at(s) + " does not offer TLS, which sslmode="
                            + s.sslMode().keyword() + " requires: set client_tls_sslmode and client_tls_key_file/"
                            + "client_tls_cert_file in pgbouncer.ini, or use sslmode=prefer");
                }
            }
            Messages wire = new Messages(channel.getInputStream(), channel.getOutputStream());
            Map<String, String> startup = new LinkedHashMap<>();
            startup.put("user", s.user());
            startup.put("database", s.database());
            startup.put("application_name", s.applicationName());
            wire.startup(startup);
            wire.flush();
            roundTrips++;
            roundTrips += authenticate(s, wire);
            String version = "";
            while (true) {
                Message m = wire.read();
                if (m.type() == 'S') {
                    String name = m.cstring();
                    String value = m.cstring();
                    if (name.equals("server_version")) {
                        version = value;
                    }
                } else if (m.type() == 'E') {
                    throw refused(s, m.fields());
                } else if (m.type() == 'Z') {
                    break;
                }
            }
            if (!version.endsWith("/bouncer")) {
                throw new ConsoleException(Failure.NOT_A_CONSOLE, at(s) + " is not a PgBouncer admin console (it "
                        + "reports server_version " + (version.isEmpty() ? "nothing" : version) + ", a PostgreSQL "
                        + "server?): give PgBouncer's host and listen_port, with database pgbouncer");
            }
            return new PgBouncerConsole(s, channel, wire, version, roundTrips);
        } catch (ConsoleException e) {
            closeQuietly(socket);
            throw e;
        } catch (UnknownHostException e) {
            closeQuietly(socket);
            throw new ConsoleException(Failure.UNREACHABLE, "cannot connect to " + at(s) + ": unknown host '"
                    + s.host() + "': check the host name", e);
        } catch (ConnectException | NoRouteToHostException e) {
            closeQuietly(socket);
            throw new ConsoleException(Failure.UNREACHABLE, "cannot connect to " + at(s) + " (" + e.getMessage()
                    + "): check that PgBouncer is running and listens on that host and port", e);
        } catch (SocketTimeoutException e) {
            closeQuietly(socket);
            throw new ConsoleException(Failure.TIMEOUT, at(s) + " did not answer within "
                    + s.connectTimeout().toSeconds() + " s: check the host and port, or raise connect_timeout", e);
        } catch (SSLException e) {
            closeQuietly(socket);
            throw new ConsoleException(Failure.TLS_FAILED, "TLS with " + at(s) + " failed (" + rootMessage(e)
                    + "): check sslrootcert / PGSSLROOTCERT and the certificate's host name, or use sslmode=require "
                    + "to skip the check", e);
        } catch (GeneralSecurityException e) {
            closeQuietly(socket);
            throw new ConsoleException(Failure.TLS_FAILED, "cannot use the root certificate " + rootCert(s) + " for "
                    + at(s) + " (" + e.getMessage() + "): point sslrootcert / PGSSLROOTCERT at a PEM file", e);
        } catch (Messages.ProtocolException e) {
            closeQuietly(socket);
            throw new ConsoleException(Failure.NOT_A_CONSOLE, at(s) + " does not speak the PostgreSQL protocol ("
                    + e.getMessage() + "): check the host and port", e);
        } catch (IOException e) {
            closeQuietly(socket);
            if (s.sslMode().verifies() && e instanceof java.nio.file.NoSuchFileException) {
                throw new ConsoleException(Failure.TLS_FAILED, "sslmode=" + s.sslMode().keyword() + " needs the root "
                        + "certificate " + rootCert(s) + ", which does not exist: set sslrootcert or PGSSLROOTCERT", e);
            }
            throw new ConsoleException(Failure.REFUSED, at(s) + " closed the connection during the login ("
                    + e.getMessage() + "): check the pooler's log", e);
        }
    }

    /** Runs the authentication exchange up to AuthenticationOk; returns the round trips it took. */
    private static int authenticate(ConnectionSettings s, Messages wire) throws IOException {
        int roundTrips = 0;
        ScramClient scram = null;
        while (true) {
            Message m = wire.read();
            if (m.type() == 'E') {
                throw refused(s, m.fields());
            }
            if (m.type() != 'R') {
                throw new Messages.ProtocolException("unexpected message '" + m.type() + "' during the login");
            }
            int code = m.body().getInt();
            switch (code) {
                case 0 -> {
                    return roundTrips;
                }
                case 3 -> {
                    sendPassword(wire, password(s));
                    roundTrips++;
                }
                case 5 -> {
                    byte[] salt = new byte[4];
                    m.body().get(salt);
                    sendPassword(wire, md5(password(s), s.user(), salt));
                    roundTrips++;
                }
                case 10 -> {
                    List<String> mechanisms = new ArrayList<>();
                    for (String name = m.cstring(); !name.isEmpty(); name = m.cstring()) {
                        mechanisms.add(name);
                    }
                    scram = scram(s, mechanisms);
                    byte[] first = scram.clientFirstMessage().toString().getBytes(StandardCharsets.UTF_8);
                    ByteArrayOutputStream body = new ByteArrayOutputStream();
                    Messages.cstring(body, scram.getScramMechanism().getName());
                    Messages.writeInt(body, first.length);
                    body.writeBytes(first);
                    wire.send('p', body.toByteArray());
                    wire.flush();
                    roundTrips++;
                }
                case 11, 12 -> {
                    if (scram == null) {
                        throw new Messages.ProtocolException("SASL message before SASL started");
                    }
                    String data = remaining(m.body());
                    try {
                        if (code == 11) {
                            scram.serverFirstMessage(data);
                            wire.send('p', scram.clientFinalMessage().toString().getBytes(StandardCharsets.UTF_8));
                            wire.flush();
                            roundTrips++;
                        } else {
                            scram.serverFinalMessage(data);
                        }
                    } catch (ScramException e) {
                        throw new ConsoleException(Failure.WRONG_PASSWORD, "SCRAM authentication of user '" + s.user()
                                + "' with " + at(s) + " failed (" + e.getClass().getSimpleName() + "): check the "
                                + "password", e);
                    }
                }
                default -> throw new ConsoleException(Failure.UNSUPPORTED_AUTHENTICATION, at(s) + " asks for "
                        + "authentication method " + code + " (e.g. GSSAPI, SSPI), which lockwarden does not speak: "
                        + "use auth_type trust, md5 or scram-sha-256 for this user");
            }
        }
    }

    private static ScramClient scram(ConnectionSettings s, List<String> mechanisms) {
        try {
            return ScramClient.builder()
                    .advertisedMechanisms(mechanisms.stream().filter(n -> !n.endsWith("-PLUS")).toList())
                    .username("*") // PostgreSQL and PgBouncer take the user from the startup packet
                    .password(password(s).toCharArray())
                    .build();
        } catch (IllegalArgumentException e) {
            throw new ConsoleException(Failure.UNSUPPORTED_AUTHENTICATION, at(s) + " offers only SASL mechanisms "
                    + mechanisms + ", which lockwarden does not speak: use SCRAM-SHA-256", e);
        }
    }

    private static String password(ConnectionSettings s) {
        return s.password().map(Password::reveal).orElseThrow(() -> new ConsoleException(Failure.PASSWORD_REQUIRED,
                at(s) + " requires a password for user '" + s.user() + "': set PGPASSWORD, add it to ~/.pgpass "
                        + "(HOST:PORT:pgbouncer:USER:PASSWORD), or run in a terminal to be prompted"));
    }

    private static void sendPassword(Messages wire, String password) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        Messages.cstring(body, password);
        wire.send('p', body.toByteArray());
        wire.flush();
    }

    /** PostgreSQL's md5 response: {@code "md5" + md5hex(md5hex(password + user) + salt)}. */
    private static String md5(String password, String user, byte[] salt) {
        try {
            HexFormat hex = HexFormat.of();
            MessageDigest md = MessageDigest.getInstance("MD5");
            String inner = hex.formatHex(md.digest((password + user).getBytes(StandardCharsets.UTF_8)));
            md.update(inner.getBytes(StandardCharsets.US_ASCII));
            md.update(salt);
            return "md5" + hex.formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no MD5, which every Java SE platform must provide", e);
        }
    }

    private static ConsoleException refused(ConnectionSettings s, Map<Character, String> fields) {
        String message = fields.getOrDefault('M', "no reason given");
        String code = fields.getOrDefault('C', "");
        String user = "'" + s.user() + "'";
        if (message.equals("not allowed")) {
            return new ConsoleException(Failure.NOT_ALLOWED, at(s) + " refused user " + user + ": it is in neither "
                    + "admin_users nor stats_users; add it to one of them in pgbouncer.ini, or connect as a user that is");
        }
        if (code.equals("28P01") || message.contains("password authentication failed")
                || message.equals("SASL authentication failed")) {
            return new ConsoleException(Failure.WRONG_PASSWORD, "password authentication failed for user " + user
                    + " at " + at(s) + ": check PGPASSWORD, ~/.pgpass or the password you typed");
        }
        if (message.equals("SSL required")) {
            return new ConsoleException(Failure.TLS_REQUIRED, at(s) + " requires TLS (client_tls_sslmode) but "
                    + "sslmode=" + s.sslMode().keyword() + " does not use it: use sslmode=require or verify-full");
        }
        if (code.equals("3D000") || message.contains("does not exist")) {
            return new ConsoleException(Failure.NOT_A_CONSOLE, at(s) + " is not a PgBouncer admin console ("
                    + message + "): give PgBouncer's host and listen_port, with database pgbouncer");
        }
        if (message.startsWith("no such user")) {
            return new ConsoleException(Failure.REFUSED, at(s) + " does not know user " + user + " (no such user): "
                    + "add it to PgBouncer's auth_file, or connect as a user listed there");
        }
        return new ConsoleException(Failure.REFUSED, at(s) + " refused user " + user + " (" + message + ")"
                + (code.isEmpty() ? "" : " [" + code + "]") + ": check admin_users, stats_users and auth_type in "
                + "pgbouncer.ini");
    }

    private static Path rootCert(ConnectionSettings s) {
        return s.sslRootCert().orElse(Path.of(System.getProperty("user.home"), ".postgresql", "root.crt"));
    }

    private static String at(ConnectionSettings s) {
        return "PgBouncer console at " + (s.host().indexOf(':') >= 0 ? "[" + s.host() + "]" : s.host()) + ":" + s.port();
    }

    private static List<String> columns(ByteBuffer body) {
        int n = body.getShort();
        List<String> names = new ArrayList<>(n);
        Message m = new Message('T', body);
        for (int i = 0; i < n; i++) {
            names.add(m.cstring());
            body.position(body.position() + 18); // table oid, column number, type oid, size, modifier, format
        }
        return names;
    }

    private static Map<String, String> row(ByteBuffer body, List<String> columns) {
        int n = body.getShort();
        Map<String, String> row = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            int len = body.getInt();
            String value = null;
            if (len >= 0) {
                byte[] bytes = new byte[len];
                body.get(bytes);
                value = new String(bytes, StandardCharsets.UTF_8);
            }
            row.putIfAbsent(i < columns.size() ? columns.get(i) : "column" + (i + 1), value);
        }
        return row;
    }

    private static String remaining(ByteBuffer body) {
        byte[] bytes = new byte[body.remaining()];
        body.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return m.lines().findFirst().orElse(m);
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // already failing
        }
    }
}
