package io.lockwarden.connect.internal;

import io.lockwarden.connect.ConnectionSettingsException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Parses one connection string into libpq keywords: a libpq URI ({@code postgresql://} or
 * {@code postgres://}), a libpq keyword/value string ({@code host=db dbname=app}), a pgjdbc URL
 * ({@code jdbc:postgresql://}) or a bare database name (as {@code psql app}). Messages never contain the
 * password. Stateless.
 *
 * @param keywords    libpq keywords given (lower case), in order
 * @param jdbcOptions pgjdbc parameters of a JDBC URL that have no libpq keyword (passed through)
 * @param form        what was parsed, for messages: "libpq URI", "connection string", "JDBC URL", "database name"
 */
public record ConnectionString(Map<String, String> keywords, Map<String, String> jdbcOptions, String form) {

    /** Something that looks like a URI scheme but is not one of libpq's two, e.g. {@code PostgreSQL://}, {@code postgresql:/}. */
    private static final java.util.regex.Pattern SCHEME = java.util.regex.Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*:/");

    /**
     * pgjdbc parameters that make it load a class by name or write files: never taken from a connection string
     * (a JDBC URL may come from a shared service file or a pasted command).
     */
    private static final Set<String> REFUSED_JDBC = Set.of("socketfactory", "socketfactoryarg", "sslfactory",
            "sslfactoryarg", "sslhostnameverifier", "sslpasswordcallback", "authenticationpluginclassname",
            "loggerfile", "loggerlevel", "sslkey", "sslcert", "sslpassword");

    /** The libpq keywords Lockwarden understands. */
    public static final Set<String> SUPPORTED = Set.of("host", "hostaddr", "port", "dbname", "user", "password",
            "passfile", "service", "sslmode", "sslrootcert", "application_name", "fallback_application_name",
            "connect_timeout");

    /** libpq keywords that exist but that Lockwarden does not implement. */
    private static final Set<String> UNSUPPORTED = Set.of("options", "sslcert", "sslkey", "sslpassword", "sslcrl",
            "sslcrldir", "sslsni", "sslcompression", "sslnegotiation", "ssl_min_protocol_version",
            "ssl_max_protocol_version", "requirepeer", "gssencmode", "krbsrvname", "gsslib", "gssdelegation",
            "target_session_attrs", "load_balance_hosts", "replication", "client_encoding", "keepalives",
            "keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout", "channel_binding",
            "require_auth", "requiressl");

    /**
     * Parses {@code text}.
     *
     * @throws ConnectionSettingsException for a malformed string or an unknown keyword, naming the fix
     */
    public static ConnectionString parse(String text) {
        String t = text.strip();
        if (t.startsWith("jdbc:")) {
            return jdbc(t);
        }
        if (t.startsWith("postgresql://") || t.startsWith("postgres://")) {
            return uri(t);
        }
        if (SCHEME.matcher(t).lookingAt()) {
            // not echoed, and never sent as a database name: the text may carry a password
            throw new ConnectionSettingsException("cannot read the connection URI: it must start exactly with "
                    + "postgresql:// or postgres:// (lower case, two slashes), e.g. postgresql://user@host:5432/db");
        }
        if (t.indexOf('=') >= 0) {
            return keywordValue(t);
        }
        if (t.isEmpty() || t.chars().anyMatch(Character::isWhitespace)) {
            throw new ConnectionSettingsException("cannot read the connection string: expected a libpq URI "
                    + "(postgresql://user@host:5432/db), keyword/value pairs (host=... dbname=...), a JDBC URL or a "
                    + "database name");
        }
        Map<String, String> k = new LinkedHashMap<>();
        k.put("dbname", t);
        return new ConnectionString(k, Map.of(), "database name");
    }

    private static ConnectionString uri(String t) {
        String rest = t.substring(t.indexOf("://") + 3);
        Map<String, String> k = new LinkedHashMap<>();
        int q = rest.indexOf('?');
        String query = q < 0 ? "" : rest.substring(q + 1);
        rest = q < 0 ? rest : rest.substring(0, q);
        int slash = rest.indexOf('/');
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        if (slash >= 0 && slash + 1 < rest.length()) {
            k.put("dbname", decode(rest.substring(slash + 1), "database name"));
        }
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            String userInfo = authority.substring(0, at);
            authority = authority.substring(at + 1);
            int colon = userInfo.indexOf(':');
            String user = colon < 0 ? userInfo : userInfo.substring(0, colon);
            if (!user.isEmpty()) {
                k.put("user", decode(user, "user name"));
            }
            if (colon >= 0) {
                k.put("password", decode(userInfo.substring(colon + 1), "password"));
            }
        }
        if (authority.indexOf(',') >= 0) {
            throw new ConnectionSettingsException("several hosts in one URI are not supported: name one host, "
                    + "e.g. postgresql://db1:5432/app");
        }
        hostAndPort(authority, k);
        queryParams(query, k, "&", "libpq URI");
        return new ConnectionString(k, Map.of(), "libpq URI");
    }

    private static void hostAndPort(String authority, Map<String, String> k) {
        String host = authority;
        String port = null;
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            if (close < 0) {
                throw new ConnectionSettingsException("unterminated IPv6 address in '" + authority
                        + "': write it as [::1]:5432");
            }
            host = authority.substring(1, close);
            String after = authority.substring(close + 1);
            if (after.startsWith(":")) {
                port = after.substring(1);
            } else if (!after.isEmpty()) {
                throw new ConnectionSettingsException("unexpected '" + after + "' after the IPv6 address");
            }
        } else {
            int colon = authority.lastIndexOf(':');
            if (colon >= 0) {
                host = authority.substring(0, colon);
                port = authority.substring(colon + 1);
            }
        }
        if (!host.isEmpty()) {
            k.put("host", decode(host, "host"));
        }
        if (port != null && !port.isEmpty()) {
            k.put("port", port);
        }
    }

    private static void queryParams(String query, Map<String, String> k, String separator, String form) {
        if (query.isEmpty()) {
            return;
        }
        for (String pair : query.split(separator)) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            if (eq < 0) {
                throw new ConnectionSettingsException("missing '=' after '" + safe(pair) + "' in the " + form
                        + ": write key=value");
            }
            String key = decode(pair.substring(0, eq), "parameter name");
            String value = decode(pair.substring(eq + 1), "value of " + key);
            if (key.equals("ssl") && value.equals("true")) {
                key = "sslmode";
                value = "require";
            }
            k.put(requireSupported(key), value);
        }
    }

    private static ConnectionString keywordValue(String t) {
        Map<String, String> k = new LinkedHashMap<>();
        int i = 0;
        int n = t.length();
        while (i < n) {
            while (i < n && Character.isWhitespace(t.charAt(i))) {
                i++;
            }
            if (i >= n) {
                break;
            }
            int start = i;
            while (i < n && t.charAt(i) != '=' && !Character.isWhitespace(t.charAt(i))) {
                i++;
            }
            String key = t.substring(start, i);
            while (i < n && Character.isWhitespace(t.charAt(i))) {
                i++;
            }
            if (i >= n || t.charAt(i) != '=') {
                // not echoed: after a mis-quoted password, this "keyword" is a piece of the password
                throw new ConnectionSettingsException("missing \"=\" after the word at position " + (start + 1)
                        + " of the connection string: write keyword=value pairs, e.g. host=db dbname=app, and quote "
                        + "values with spaces as 'a b'");
            }
            i++;
            while (i < n && Character.isWhitespace(t.charAt(i))) {
                i++;
            }
            StringBuilder value = new StringBuilder();
            if (i < n && t.charAt(i) == '\'') {
                i++;
                boolean closed = false;
                while (i < n) {
                    char c = t.charAt(i++);
                    if (c == '\\' && i < n) {
                        value.append(t.charAt(i++));
                    } else if (c == '\'') {
                        closed = true;
                        break;
                    } else {
                        value.append(c);
                    }
                }
                if (!closed) {
                    throw new ConnectionSettingsException("unterminated quoted value of \"" + safe(key)
                            + "\" in the connection string: close it with '");
                }
            } else {
                while (i < n && !Character.isWhitespace(t.charAt(i))) {
                    char c = t.charAt(i++);
                    if (c == '\\' && i < n) {
                        value.append(t.charAt(i++));
                    } else {
                        value.append(c);
                    }
                }
            }
            k.put(requireSupported(key), value.toString());
        }
        return new ConnectionString(k, Map.of(), "connection string");
    }

    private static ConnectionString jdbc(String t) {
        if (!t.startsWith("jdbc:postgresql:")) {
            throw new ConnectionSettingsException("not a PostgreSQL JDBC URL: expected jdbc:postgresql://HOST:PORT/DATABASE");
        }
        String rest = t.substring("jdbc:postgresql:".length());
        Map<String, String> k = new LinkedHashMap<>();
        Map<String, String> options = new LinkedHashMap<>();
        int q = rest.indexOf('?');
        String query = q < 0 ? "" : rest.substring(q + 1);
        rest = q < 0 ? rest : rest.substring(0, q);
        String db;
        if (rest.startsWith("//")) {
            rest = rest.substring(2);
            int slash = rest.indexOf('/');
            String authority = slash < 0 ? rest : rest.substring(0, slash);
            db = slash < 0 ? "" : rest.substring(slash + 1);
            if (authority.indexOf('@') >= 0) {
                // pgjdbc would take "user:password@host" as the host name and echo it, password included, in errors.
                throw new ConnectionSettingsException("user:password@ in a JDBC URL is not supported by pgjdbc: put "
                        + "the user in ?user=NAME and the password in PGPASSWORD (or use a libpq URI, "
                        + "postgresql://user@host/db)");
            }
            if (authority.indexOf(',') >= 0) {
                throw new ConnectionSettingsException("several hosts in one JDBC URL are not supported: name one host");
            }
            hostAndPort(authority, k);
        } else {
            db = rest.startsWith("/") ? rest.substring(1) : rest;
        }
        if (!db.isEmpty()) {
            k.put("dbname", decode(db, "database name"));
        }
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = decode(eq < 0 ? pair : pair.substring(0, eq), "parameter name");
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1), "value of " + key);
            switch (key) {
                case "user", "password", "sslmode", "sslrootcert" -> k.put(key, value);
                case "ApplicationName" -> k.put("application_name", value);
                case "connectTimeout" -> k.put("connect_timeout", value);
                case "loginTimeout" -> k.putIfAbsent("connect_timeout", value);
                // pgjdbc's ssl=true without sslmode verifies the certificate and the host name
                case "ssl" -> k.putIfAbsent("sslmode", value.equals("true") ? "verify-full" : "disable");
                default -> {
                    if (REFUSED_JDBC.contains(key.toLowerCase(Locale.ROOT))) {
                        throw new ConnectionSettingsException("JDBC URL parameter \"" + safe(key) + "\" is not "
                                + "accepted by lockwarden (it makes the driver load classes or files): remove it");
                    }
                    options.put(key, value);
                }
            }
        }
        return new ConnectionString(k, options, "JDBC URL");
    }

    /** The keyword itself when Lockwarden supports it; otherwise a one-line error naming the supported ones. */
    public static String requireSupported(String key) {
        String lower = key.toLowerCase(Locale.ROOT);
        if (SUPPORTED.contains(key)) {
            return key;
        }
        if (UNSUPPORTED.contains(lower)) {
            throw new ConnectionSettingsException("connection option \"" + key + "\" is not supported by lockwarden: "
                    + "remove it (supported: " + String.join(", ", new java.util.TreeSet<>(SUPPORTED)) + ")");
        }
        throw new ConnectionSettingsException("invalid connection option \"" + safe(key) + "\": use one of "
                + String.join(", ", new java.util.TreeSet<>(SUPPORTED)));
    }

    private static String decode(String s, String what) {
        try {
            return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new ConnectionSettingsException("invalid percent-encoding in the " + what + ": write %XX with two hex digits");
        }
    }

    /** A key as typed, cut short so that a mistyped "password" value can never be echoed at length. */
    private static String safe(String key) {
        return key.length() > 40 ? key.substring(0, 40) + "..." : key;
    }
}
