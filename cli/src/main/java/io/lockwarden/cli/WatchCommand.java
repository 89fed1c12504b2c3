package io.lockwarden.cli;

import io.lockwarden.watch.ConfigException;
import io.lockwarden.watch.Policy;
import io.lockwarden.watch.TargetConfig;
import io.lockwarden.watch.WatchConfig;
import io.lockwarden.watch.Watchdog;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code lockwarden watch}: runs the watchdog ({@link Watchdog}) for one database given like {@code diagnose}'s,
 * or for the targets of a {@code lockwarden.yml}. Runs until SIGTERM/SIGINT; SIGHUP re-reads the configuration
 * file (keeping history). {@code --once} samples every target once, prints one line each and exits (0 clean,
 * 1 findings or a target down, 2 bad input).
 */
@Command(name = "watch", description = {"Watch advisory locks continuously: metrics, API, dashboard, logs, enforcement.",
            "Prometheus metrics, an HTTP API and dashboard, incident logs, and (off by default) ending",
            "idle session-lock holders by policy.",
            "Stops on SIGTERM/SIGINT; SIGHUP reloads --config without losing history."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped cleanly (--once: nothing at warning level)", "1:--once: findings or a target down",
            "2:bad input or error"})
final class WatchCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(WatchCommand.class);

    @ParentCommand
    Main main;

    @Mixin
    ConnectionOptions connection;

    @Option(names = "--config", paramLabel = "FILE", description = "lockwarden.yml with one or more targets "
            + "(format in docs/watch.md); reloaded on SIGHUP. Not with --url.")
    Path configFile;

    @Option(names = "--pgbouncer", paramLabel = "CONNECTION", description = "PgBouncer admin console of the one "
            + "database, in any connection form (e.g. postgresql://bouncer:6432/pgbouncer).")
    String pgbouncer;

    @Option(names = "--namespace", paramLabel = "NAME", description = "Namespace of named keys to decode; repeatable.")
    List<String> namespaces = new ArrayList<>();

    @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "10s", converter = DurationConverter.class,
            description = "Sampling interval (default: ${DEFAULT-VALUE}).")
    Duration interval;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:9187",
            description = "HTTP address for /metrics, the API and the dashboard (default: ${DEFAULT-VALUE}).")
    String listen;

    @Option(names = "--idle-threshold", paramLabel = "DURATION", defaultValue = "60s",
            converter = DurationConverter.class, description = "Idle holders become warnings (and the "
            + "idle-holder alert threshold) after this long (default: ${DEFAULT-VALUE}).")
    Duration idleThreshold;

    @Option(names = "--enforce", paramLabel = "MODE", defaultValue = "off", completionCandidates = Candidates.EnforceModes.class,
            description = "off (default), dry-run or enforce: end idle holders of session locks by policy.")
    String enforce;

    @Option(names = "--idle-holders-older-than", paramLabel = "DURATION", defaultValue = "10m",
            converter = DurationConverter.class, description = "Policy: idle for at least this long (default: ${DEFAULT-VALUE}).")
    Duration idleOlderThan;

    @Option(names = "--max-terminations-per-minute", paramLabel = "N", defaultValue = "5",
            description = "Policy: cap per target (default: ${DEFAULT-VALUE}).")
    int cap;

    @Option(names = "--audit-log", paramLabel = "FILE", description = "JSON-lines audit log (required with --enforce).")
    Path auditLog;

    @Option(names = "--once", description = "Sample every target once, print a line each, exit.")
    boolean once;

    @Override
    public Integer call() throws Exception {
        CliContext ctx = main.context();
        Path file = configFile;
        if (file != null && connection.url != null) {
            throw new CliException("--url and --config exclude each other: put the database in the configuration file");
        }
        WatchConfig config = file != null ? WatchConfig.load(file) : single(ctx);
        if (once) {
            config = new WatchConfig(config.interval(), config.concurrency(), config.bind(), 0, config.history(),
                    config.auditLog(), config.leaderHeartbeat(), config.targets());
        }
        Watchdog w;
        try {
            w = Watchdog.builder(config).scheduled(!once).start();
        } catch (UncheckedIOException e) {
            throw new CliException(e.getMessage(), e);
        }
        if (once) {
            try (w) {
                w.sampleNow();
                return report(ctx.out(), w, config);
            }
        }
        ctx.out().println("lockwarden watch: " + config.targets().size() + " target(s); dashboard and metrics at http://"
                + config.bind() + ":" + w.port() + "/");
        ctx.out().flush();
        if (file != null) {
            onHangup(w, file);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            w.close();
            stopped.countDown();
        }, "lockwarden-watch-stop"));
        stopped.await();
        return 0;
    }

    private WatchConfig single(CliContext ctx) {
        DatabaseLogin login = new DatabaseLogin(ctx, connection.server(ctx));
        PGSimpleDataSource ds = login.server();
        Policy.Mode mode = switch (enforce) {
            case "off" -> Policy.Mode.OFF;
            case "dry-run" -> Policy.Mode.DRY_RUN;
            case "enforce" -> Policy.Mode.ENFORCE;
            default -> throw new CliException("--enforce must be off, dry-run or enforce, got '" + enforce + "'");
        };
        if (mode != Policy.Mode.OFF && auditLog == null) {
            throw new CliException("--enforce " + enforce + " needs --audit-log FILE for the audit trail");
        }
        String jdbc = "jdbc:postgresql://" + DatabaseLogin.target(ds);
        TargetConfig.Secret secret = new TargetConfig.Secret(null, null, ds.getPassword());
        TargetConfig t = TargetConfig.of(ds.getDatabaseName(), jdbc, ds.getUser(), secret)
                .withNamespaces(namespaces)
                .withAlertThresholds(idleThreshold, null)
                .withPolicy(new Policy(mode, idleOlderThan, null, null, cap));
        if (pgbouncer != null) {
            io.lockwarden.connect.ConnectionSettings console = login.pgBouncer(pgbouncer);
            t = t.withPgBouncer(new TargetConfig.Console(console.jdbcUrl(), console.user(), new TargetConfig.Secret(
                    null, null, console.password().map(io.lockwarden.connect.Password::reveal).orElse(null))));
        }
        int colon = listen.lastIndexOf(':');
        if (colon < 0) {
            throw new CliException("--listen must be HOST:PORT, got '" + listen + "'");
        }
        int port;
        try {
            port = Integer.parseInt(listen.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new CliException("--listen must be HOST:PORT with a numeric port, got '" + listen + "'");
        }
        try {
            return new WatchConfig(interval, 4, listen.substring(0, colon), port, null, auditLog, null, List.of(t));
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        }
    }

    private static int report(PrintStream out, Watchdog w, WatchConfig config) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + w.port() + "/api/targets"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        com.fasterxml.jackson.databind.JsonNode targets = new com.fasterxml.jackson.databind.ObjectMapper().readTree(body);
        boolean problems = false;
        for (com.fasterxml.jackson.databind.JsonNode t : targets) {
            StringBuilder line = new StringBuilder(t.path("name").asText()).append(": ").append(t.path("health").asText());
            if (t.path("health").asText().equals("up")) {
                line.append(", ").append(t.path("held").asInt()).append(" held, ").append(t.path("waiting").asInt())
                        .append(" waiting");
                for (com.fasterxml.jackson.databind.JsonNode i : t.path("incidents")) {
                    line.append("; ").append(i.path("rule").asText()).append(" (").append(i.path("severity").asText())
                            .append(")");
                    problems = true;
                }
            } else {
                line.append(" (").append(t.path("last_error").asText()).append(")");
                problems = true;
            }
            out.println(line);
        }
        out.flush();
        return problems ? 1 : 0;
    }

    /** SIGHUP re-reads the file; a bad file is logged and the running configuration kept. JDK-internal API. */
    @SuppressWarnings("sunapi")
    private static void onHangup(Watchdog w, Path file) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> {
                try {
                    w.reload(WatchConfig.load(file));
                } catch (ConfigException | IllegalArgumentException e) {
                    LOG.error("SIGHUP: keeping the running configuration: {}", e.getMessage());
                }
            });
        } catch (IllegalArgumentException e) {
            LOG.warn("SIGHUP is not available on this platform: restart to apply configuration changes");
        }
    }
}
