package io.lockwarden.watch;

import io.lockwarden.watch.internal.ConfigReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Everything a {@link Watchdog} needs: the targets and how to watch them. Built in code or read from a
 * {@code lockwarden.yml} with {@link #load(Path)} (format in {@code docs/watch.md}).
 *
 * @param interval        how often each target is sampled
 * @param concurrency     at most this many targets are sampled at the same time
 * @param bind            HTTP listen address ({@code 127.0.0.1} by default)
 * @param port            HTTP port (0: any free port)
 * @param history         how far back {@code /api/history} reaches (kept in memory, bounded to 10,000 samples per target)
 * @param auditLog        the JSON-lines audit log of enforcement decisions, or null (then enforcement must be off)
 * @param leaderHeartbeat how often a replica's leader lock is checked: losing it stops enforcement within this time
 * @param targets         the databases to watch, with unique names
 * @param webConfigFile   the HTTP side's TLS and basic-auth settings in the Prometheus exporters' web configuration
 *                        format ({@code --web.config.file}), or null for plain HTTP without authentication
 * @param allowedHosts    host names the HTTP side answers to besides IP literals and {@code localhost} (the
 *                        {@code Host} header check against DNS rebinding); {@code *} allows any
 */
public record WatchConfig(Duration interval, int concurrency, String bind, int port, Duration history, Path auditLog,
                          Duration leaderHeartbeat, List<TargetConfig> targets, Path webConfigFile,
                          List<String> allowedHosts) {
    /** The shortest sampling interval. */
    public static final Duration MIN_INTERVAL = Duration.ofMillis(100);
    /** The longest sampling interval: a watchdog that samples less often than this watches nothing. */
    public static final Duration MAX_INTERVAL = Duration.ofHours(1);

    /** Validates. @throws IllegalArgumentException with the setting name and the fix */
    public WatchConfig {
        Objects.requireNonNull(interval, "interval");
        if (interval.compareTo(MIN_INTERVAL) < 0 || interval.compareTo(MAX_INTERVAL) > 0) {
            throw new IllegalArgumentException("interval must be between 100ms and 1h, e.g. 10s");
        }
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1");
        }
        bind = bind == null ? "127.0.0.1" : bind;
        if (bind.startsWith("[") && bind.endsWith("]")) {
            bind = bind.substring(1, bind.length() - 1); // [::1] as written in HOST:PORT
        }
        allowedHosts = allowedHosts == null ? List.of() : List.copyOf(allowedHosts);
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535");
        }
        history = history == null ? Duration.ofHours(6) : history;
        leaderHeartbeat = leaderHeartbeat == null ? Duration.ofSeconds(5) : leaderHeartbeat;
        targets = List.copyOf(targets);
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("no targets: list at least one database under 'targets'");
        }
        Set<String> names = new HashSet<>();
        for (TargetConfig t : targets) {
            if (!names.add(t.name())) {
                throw new IllegalArgumentException("target name '" + t.name() + "' is used twice: names must be unique");
            }
            if (t.policy().mode() != Policy.Mode.OFF && auditLog == null) {
                throw new IllegalArgumentException("target '" + t.name() + "' has enforcement " + t.policy().mode()
                        + " but no audit_log is set: name a file for the audit trail");
            }
        }
    }

    /** Without a web configuration file or allowed host names: plain HTTP, IP literals and localhost only. */
    public WatchConfig(Duration interval, int concurrency, String bind, int port, Duration history, Path auditLog,
                       Duration leaderHeartbeat, List<TargetConfig> targets) {
        this(interval, concurrency, bind, port, history, auditLog, leaderHeartbeat, targets, null, null);
    }

    /** One target, 10 s interval, concurrency 4, 127.0.0.1 on {@code port}, 6 h history, no audit log. */
    public static WatchConfig of(TargetConfig target, int port) {
        return new WatchConfig(Duration.ofSeconds(10), 4, null, port, null, null, null, List.of(target));
    }

    /**
     * Reads and validates a YAML configuration file.
     *
     * @throws ConfigException with {@code file:line:column}, the setting and the fix, for any problem (unreadable
     *         file, bad YAML, unknown or missing setting, a password written in clear)
     */
    public static WatchConfig load(Path file) {
        return new ConfigReader(file).read();
    }

    /** A copy with other settings of the whole watchdog. */
    public WatchConfig with(Duration newInterval, Path newAuditLog, List<TargetConfig> newTargets) {
        return new WatchConfig(newInterval, concurrency, bind, port, history, newAuditLog, leaderHeartbeat, newTargets,
                webConfigFile, allowedHosts);
    }

    /**
     * A copy with the HTTP side changed (command-line flags override the file: null keeps a value).
     *
     * @param newBind    listen address, or null to keep
     * @param newPort    port, or -1 to keep
     * @param newWeb     web configuration file, or null to keep
     * @param newHosts   allowed host names, or null to keep
     */
    public WatchConfig withHttp(String newBind, int newPort, Path newWeb, List<String> newHosts) {
        return new WatchConfig(interval, concurrency, newBind == null ? bind : newBind, newPort < 0 ? port : newPort,
                history, auditLog, leaderHeartbeat, targets, newWeb == null ? webConfigFile : newWeb,
                newHosts == null ? allowedHosts : newHosts);
    }

    /** A copy with another sampling interval. @throws IllegalArgumentException when out of bounds */
    public WatchConfig withInterval(Duration newInterval) {
        return new WatchConfig(newInterval, concurrency, bind, port, history, auditLog, leaderHeartbeat, targets,
                webConfigFile, allowedHosts);
    }

    /** A copy with another leader heartbeat. */
    public WatchConfig withLeaderHeartbeat(Duration heartbeat) {
        return new WatchConfig(interval, concurrency, bind, port, history, auditLog, heartbeat, targets, webConfigFile,
                allowedHosts);
    }

    /** The target of that name. @throws IllegalArgumentException when there is none */
    public TargetConfig target(String name) {
        return targets.stream().filter(t -> t.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no target named '" + name + "'"));
    }
}
