package io.lockwarden.watch.internal;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.lockwarden.connect.ConnectionResolver;
import io.lockwarden.connect.ConnectionSettings;
import io.lockwarden.connect.ConnectionSettingsException;
import io.lockwarden.watch.ConfigException;
import io.lockwarden.watch.Policy;
import io.lockwarden.watch.TargetConfig;
import io.lockwarden.watch.WatchConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads {@code lockwarden.yml} into a {@link WatchConfig}. The YAML is first read into a small tree that keeps
 * each value's line and column (Jackson's streaming {@link JsonLocation}), so every error names
 * {@code file:line:column}. Unknown keys are errors (a typo must not silently turn a policy off), and so is
 * a {@code password} key: passwords come from {@code password_env}, {@code password_file} or {@code .pgpass}.
 * Not thread-safe; one reader per read.
 */
public final class ConfigReader {
    /** Judges a connection string by its text alone: no environment, no home directory with a password file. */
    private static final ConnectionResolver TEXT_ONLY = ConnectionResolver.of(Map.of())
            .home(Path.of("/nonexistent-lockwarden-home")).osUser("lockwarden");

    private static final YAMLFactory YAML = new YAMLFactory();
    private static final Set<String> TOP = Set.of("interval", "concurrency", "listen", "history", "audit_log",
            "leader_heartbeat", "targets", "web_config_file", "allowed_hosts");
    private static final Set<String> TARGET = Set.of("name", "connection", "user", "password_env", "password_file",
            "pgbouncer", "namespaces", "policy", "alerts");
    private static final Set<String> CONSOLE = Set.of("connection", "user", "password_env", "password_file");
    private static final Set<String> POLICY = Set.of("mode", "idle_holders_older_than", "include", "exclude",
            "max_terminations_per_minute");
    private static final Set<String> MATCH = Set.of("application_name", "user", "database");
    private static final Set<String> ALERTS = Set.of("idle_holder_after", "blocked_after");

    private final Path file;

    /** A reader of one file. */
    public ConfigReader(Path file) {
        this.file = file;
    }

    /** A YAML value with where it was written. {@code value} is a Map, a List, a String or null. */
    private record Node(Object value, JsonLocation at) {
    }

    /**
     * Reads and validates the file.
     *
     * @throws ConfigException naming file:line:column, the key and the fix
     */
    public WatchConfig read() {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": no such file: pass --config with the path of your lockwarden.yml");
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        Node root;
        try (JsonParser p = YAML.createParser(text)) {
            if (p.nextToken() == null) {
                throw new ConfigException(file + ": the file is empty: it needs at least 'targets:'");
            }
            root = node(p);
        } catch (JsonProcessingException e) {
            JsonLocation l = e.getLocation();
            throw new ConfigException(where(l) + ": not valid YAML (" + e.getOriginalMessage().lines().findFirst()
                    .orElse("") + ")", e);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        Map<String, Node> top = map(root, "the top level", TOP);
        List<TargetConfig> targets = new ArrayList<>();
        Node list = require(top, "targets", root, "the top level");
        for (Node t : list(list, "targets")) {
            targets.add(target(t));
        }
        Node listen = top.get("listen");
        String bind = null;
        int port = 9187;
        if (listen != null) {
            String l = string(listen, "listen");
            int colon = l.lastIndexOf(':');
            if (colon < 0) {
                throw error(listen, "listen", "'" + l + "' is not HOST:PORT; write e.g. 127.0.0.1:9187");
            }
            bind = l.substring(0, colon);
            port = integer(new Node(l.substring(colon + 1), listen.at()), "listen port", 0, 65535);
        }
        Path web = null;
        if (top.containsKey("web_config_file")) {
            web = Path.of(string(top.get("web_config_file"), "web_config_file"));
            web = file.toAbsolutePath().getParent() == null ? web : file.toAbsolutePath().getParent().resolve(web);
        }
        List<String> hosts = new ArrayList<>();
        if (top.containsKey("allowed_hosts")) {
            for (Node n : list(top.get("allowed_hosts"), "allowed_hosts")) {
                hosts.add(string(n, "allowed_hosts"));
            }
        }
        Duration interval = duration(top.get("interval"), "interval", Duration.ofSeconds(10));
        if (interval.compareTo(WatchConfig.MIN_INTERVAL) < 0 || interval.compareTo(WatchConfig.MAX_INTERVAL) > 0) {
            throw error(top.get("interval"), "interval", "must be between 100ms and 1h, e.g. 10s");
        }
        try {
            return new WatchConfig(interval,
                    top.containsKey("concurrency") ? integer(top.get("concurrency"), "concurrency", 1, 256) : 4,
                    bind, port, duration(top.get("history"), "history", null),
                    top.containsKey("audit_log") ? Path.of(string(top.get("audit_log"), "audit_log")) : null,
                    duration(top.get("leader_heartbeat"), "leader_heartbeat", null), targets, web, hosts);
        } catch (IllegalArgumentException e) {
            throw error(root, "configuration", e.getMessage());
        }
    }

    private TargetConfig target(Node t) {
        Map<String, Node> m = map(t, "a target", TARGET);
        String name = string(require(m, "name", t, "a target"), "name");
        String ctx = "target '" + name + "'";
        String connection = connection(require(m, "connection", t, ctx), ctx + " connection");
        String user = m.containsKey("user") ? string(m.get("user"), ctx + " user") : null;
        TargetConfig.Secret secret = secret(m, ctx);
        TargetConfig.Console console = null;
        if (m.containsKey("pgbouncer")) {
            Map<String, Node> c = map(m.get("pgbouncer"), ctx + " pgbouncer", CONSOLE);
            String cu = connection(require(c, "connection", m.get("pgbouncer"), ctx + " pgbouncer"),
                    ctx + " pgbouncer connection");
            console = new TargetConfig.Console(cu, c.containsKey("user") ? string(c.get("user"), ctx + " pgbouncer user")
                    : null, c.containsKey("password_env") || c.containsKey("password_file") ? secret(c, ctx + " pgbouncer")
                    : null);
        }
        List<String> namespaces = new ArrayList<>();
        if (m.containsKey("namespaces")) {
            for (Node n : list(m.get("namespaces"), ctx + " namespaces")) {
                namespaces.add(string(n, ctx + " namespaces"));
            }
        }
        Policy policy = m.containsKey("policy") ? policy(m.get("policy"), ctx) : null;
        Duration idle = null;
        Duration wait = null;
        if (m.containsKey("alerts")) {
            Map<String, Node> a = map(m.get("alerts"), ctx + " alerts", ALERTS);
            idle = duration(a.get("idle_holder_after"), ctx + " alerts.idle_holder_after", null);
            wait = duration(a.get("blocked_after"), ctx + " alerts.blocked_after", null);
        }
        try {
            return new TargetConfig(name, connection, user, secret, console, namespaces, policy, idle, wait);
        } catch (IllegalArgumentException e) {
            throw error(t, ctx, e.getMessage());
        }
    }

    private TargetConfig.Secret secret(Map<String, Node> m, String ctx) {
        String env = m.containsKey("password_env") ? string(m.get("password_env"), ctx + " password_env") : null;
        Path pf = m.containsKey("password_file") ? Path.of(string(m.get("password_file"), ctx + " password_file")) : null;
        if (env != null && pf != null) {
            throw error(m.get("password_file"), ctx, "give password_env or password_file, not both");
        }
        return new TargetConfig.Secret(env, pf);
    }

    private Policy policy(Node n, String ctx) {
        Map<String, Node> m = map(n, ctx + " policy", POLICY);
        Policy defaults = Policy.off();
        Policy.Mode mode = Policy.Mode.OFF;
        if (m.containsKey("mode")) {
            String v = string(m.get("mode"), ctx + " policy.mode");
            mode = switch (v.toLowerCase(Locale.ROOT)) {
                case "off" -> Policy.Mode.OFF;
                case "dry-run", "dry_run" -> Policy.Mode.DRY_RUN;
                case "enforce" -> Policy.Mode.ENFORCE;
                default -> throw error(m.get("mode"), ctx + " policy.mode", "'" + v
                        + "' is not a mode: use off, dry-run or enforce");
            };
        }
        Duration idle = duration(m.get("idle_holders_older_than"), ctx + " policy.idle_holders_older_than",
                defaults.idleHoldersOlderThan());
        int cap = m.containsKey("max_terminations_per_minute")
                ? integer(m.get("max_terminations_per_minute"), ctx + " policy.max_terminations_per_minute", 0, 10_000)
                : defaults.maxTerminationsPerMinute();
        return new Policy(mode, idle, match(m.get("include"), ctx + " policy.include"),
                match(m.get("exclude"), ctx + " policy.exclude"), cap);
    }

    private Policy.Match match(Node n, String ctx) {
        if (n == null) {
            return Policy.Match.NONE;
        }
        Map<String, Node> m = map(n, ctx, MATCH);
        return new Policy.Match(pattern(m.get("application_name"), ctx + ".application_name"),
                pattern(m.get("user"), ctx + ".user"), pattern(m.get("database"), ctx + ".database"));
    }

    private Pattern pattern(Node n, String ctx) {
        if (n == null) {
            return null;
        }
        String v = string(n, ctx);
        try {
            return Pattern.compile(v);
        } catch (PatternSyntaxException e) {
            throw error(n, ctx, "'" + v + "' is not a regular expression (" + e.getDescription() + ")");
        }
    }

    /**
     * A connection string in any form the connect module resolves (libpq URI, keyword/value string, pgjdbc URL),
     * parsed now so a typo fails at start on its line; one that carries a password is refused. Resolved without
     * the environment or a password file, so only the text itself is judged.
     */
    private String connection(Node n, String ctx) {
        String v = string(n, ctx);
        ConnectionSettings s;
        try {
            s = TEXT_ONLY.resolve(v, Map.of(), Map.of());
        } catch (ConnectionSettingsException e) {
            throw error(n, ctx, e.getMessage() + " (a libpq URI postgresql://HOST:PORT/DATABASE, a keyword/value "
                    + "string host=HOST port=PORT dbname=DATABASE, or a JDBC URL jdbc:postgresql://HOST:PORT/DATABASE)");
        }
        if (s.password().filter(p -> !p.source().startsWith("password file")).isPresent()) {
            throw error(n, ctx, "the connection string carries a password; remove it and use password_env, "
                    + "password_file or .pgpass (passwords are never read from the configuration)");
        }
        return v;
    }

    private Node node(JsonParser p) throws IOException {
        JsonLocation at = p.currentTokenLocation();
        JsonToken t = p.currentToken();
        if (t == JsonToken.START_OBJECT) {
            Map<String, Node> m = new LinkedHashMap<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                JsonLocation keyAt = p.currentTokenLocation();
                p.nextToken();
                Node value = node(p);
                if (m.containsKey(key)) {
                    throw new ConfigException(where(keyAt) + ": '" + key + "' is given twice");
                }
                m.put(key, new Node(value.value(), keyAt)); // errors point at the line of the key
            }
            return new Node(m, at);
        }
        if (t == JsonToken.START_ARRAY) {
            List<Node> l = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) {
                l.add(node(p));
            }
            return new Node(l, at);
        }
        if (t == JsonToken.VALUE_NULL) {
            return new Node(null, at);
        }
        return new Node(p.getText(), at);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Node> map(Node n, String ctx, Set<String> allowed) {
        if (!(n.value() instanceof Map)) {
            throw error(n, ctx, "expected a mapping of key: value");
        }
        Map<String, Node> m = (Map<String, Node>) n.value();
        for (Map.Entry<String, Node> e : m.entrySet()) {
            if (e.getKey().equals("password")) {
                throw error(e.getValue(), ctx, "'password' is not allowed: passwords never live in the configuration;"
                        + " use password_env (an environment variable), password_file, or ~/.pgpass");
            }
            if (!allowed.contains(e.getKey())) {
                throw error(e.getValue(), ctx, "unknown key '" + e.getKey() + "'; expected one of "
                        + allowed.stream().sorted().toList());
            }
        }
        return m;
    }

    @SuppressWarnings("unchecked")
    private List<Node> list(Node n, String ctx) {
        if (!(n.value() instanceof List)) {
            throw error(n, ctx, "expected a list (lines starting with '- ')");
        }
        return (List<Node>) n.value();
    }

    private Node require(Map<String, Node> m, String key, Node parent, String ctx) {
        Node n = m.get(key);
        if (n == null || n.value() == null) {
            throw error(parent, ctx, "missing '" + key + "'");
        }
        return n;
    }

    private String string(Node n, String ctx) {
        if (!(n.value() instanceof String s) || s.isBlank()) {
            throw error(n, ctx, "expected a non-empty text value");
        }
        return s;
    }

    private int integer(Node n, String ctx, int min, int max) {
        String s = string(n, ctx);
        try {
            int v = Integer.parseInt(s.trim());
            if (v < min || v > max) {
                throw error(n, ctx, v + " is out of range " + min + ".." + max);
            }
            return v;
        } catch (NumberFormatException e) {
            throw error(n, ctx, "'" + s + "' is not a whole number");
        }
    }

    private Duration duration(Node n, String ctx, Duration otherwise) {
        if (n == null) {
            return otherwise;
        }
        String s = string(n, ctx);
        try {
            return Durations.parse(s);
        } catch (IllegalArgumentException e) {
            throw error(n, ctx, e.getMessage());
        }
    }

    private ConfigException error(Node n, String ctx, String problem) {
        return new ConfigException(where(n.at()) + ": " + ctx + ": " + problem);
    }

    private String where(JsonLocation l) {
        return l == null ? file.toString() : file + ":" + l.getLineNr() + ":" + l.getColumnNr();
    }
}
