package io.lockwarden.cli;

import io.lockwarden.inspect.ControlCharacters;
import io.lockwarden.watch.ConfigException;
import io.lockwarden.watch.Policy;
import io.lockwarden.watch.TargetConfig;
import io.lockwarden.watch.TargetStatus;
import io.lockwarden.watch.WatchConfig;
import io.lockwarden.watch.Watchdog;
import java.io.PrintStream;
import java.io.UncheckedIOException;
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
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code lockwarden watch}: runs the watchdog ({@link Watchdog}) for one database given like {@code diagnose}'s,
 * or for the targets of a {@code lockwarden.yml}. Runs until SIGTERM/SIGINT; SIGHUP re-reads the configuration
 * file (keeping history). {@code --once} samples every target once, prints one line each and exits (0 clean,
 * 1 findings or a target down, 2 bad input) without binding any port. Flags for the whole watchdog
 * ({@code --listen}, {@code --interval}, {@code --audit-log}, {@code --web.config.file}, {@code --allowed-host})
 * override the configuration file; flags about the one {@code --url} database are refused with {@code --config}.
 */
@Command(name = "watch",
        description = {"Watch advisory locks continuously: Prometheus metrics, an HTTP API and dashboard, incident "
            + "logs, and (off by default) ending idle session-lock holders by policy.",
            "Stops on SIGTERM/SIGINT; SIGHUP reloads --config without losing history.",
            "With --config, the flags --listen, --interval, --audit-log, --web.config.file and --allowed-host "
            + "override the file's settings; the flags about one database (-h, -p, -U, -d, --pgbouncer, --enforce, "
            + "...) are refused."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped cleanly (--once: nothing at warning level)", "1:--once: findings or a target down",
            "2:bad input or error"})
final class WatchCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(WatchCommand.class);

    /** Options about the one database of --url: with --config, the file's targets say these. */
    private static final List<String> PER_TARGET = List.of("--host", "--port", "--user", "--dbname", "--pgbouncer",
            "--namespace", "--idle-threshold", "--enforce", "--idle-holders-older-than", "--max-terminations-per-minute");

    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

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
            description = "Sampling interval, 100ms to 1h (default: ${DEFAULT-VALUE}; overrides the file's interval).")
    Duration interval;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:9187",
            description = "HTTP address for /metrics, the API and the dashboard, e.g. 0.0.0.0:9187 or [::1]:9187 "
                    + "(default: ${DEFAULT-VALUE}; overrides the file's listen).")
    String listen;

    @Option(names = "--web.config.file", paramLabel = "FILE", description = "TLS, client certificates and basic "
            + "auth for the HTTP side, in the web configuration format of Prometheus exporters (docs/watch.md).")
    Path webConfig;

    @Option(names = "--allowed-host", paramLabel = "NAME", description = "A host name the dashboard and API "
            + "answer to besides IP addresses and localhost (DNS rebinding defence); repeatable; * allows any.")
    List<String> allowedHosts;

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

    @Option(names = "--audit-log", paramLabel = "FILE", description = "JSON-lines audit log (required with --enforce; "
            + "overrides the file's audit_log).")
    Path auditLog;

    @Option(names = "--once", description = "Sample every target once, print a line each, exit (serves nothing).")
    boolean once;

    @Override
    public Integer call() throws Exception {
        CliContext ctx = main.context();
        Path file = configFile;
        if (file != null && connection.url != null) {
            throw new CliException("--url and --config exclude each other: put the database in the configuration file");
        }
        WatchConfig config;
        if (file != null) {
            for (String flag : PER_TARGET) {
                if (given(flag)) {
                    throw new CliException(flag + " applies to the one --url database; with --config set it per "
                            + "target in " + file + " (docs/watch.md)");
                }
            }
            config = overridden(WatchConfig.load(file));
        } else {
            config = single(ctx);
        }
        Watchdog w;
        try {
            w = Watchdog.builder(config).scheduled(!once).serving(!once).start();
        } catch (UncheckedIOException e) {
            throw new CliException(e.getMessage(), e);
        }
        if (once) {
            try (w) {
                w.sampleNow();
                return report(ctx.out(), w);
            }
        }
        ctx.out().println("lockwarden watch: " + config.targets().size() + " target(s); dashboard and metrics at "
                + w.url());
        ctx.out().flush();
        if (file != null) {
            onHangup(w, file, this::overridden);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            w.close();
            stopped.countDown();
        }, "lockwarden-watch-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            stopped.await();
        } catch (InterruptedException e) {
            // embedded (tests): an interrupt stops the watchdog as SIGTERM would
            Runtime.getRuntime().removeShutdownHook(hook);
            w.close();
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    private boolean given(String option) {
        return spec.commandLine().getParseResult().hasMatchedOption(option);
    }

    /** The file's configuration with the whole-watchdog flags given on the command line applied over it. */
    private WatchConfig overridden(WatchConfig fromFile) {
        try {
            WatchConfig c = fromFile;
            if (given("--interval")) {
                c = c.withInterval(interval);
            }
            if (given("--audit-log")) {
                c = c.with(c.interval(), auditLog, c.targets());
            }
            String bind = null;
            int port = -1;
            if (given("--listen")) {
                Listen l = listen();
                bind = l.host();
                port = l.port();
            }
            return c.withHttp(bind, port, webConfig, allowedHosts);
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        }
    }

    private record Listen(String host, int port) {
    }

    private Listen listen() {
        int colon = listen.lastIndexOf(':');
        if (colon < 0) {
            throw new CliException("--listen must be HOST:PORT, got '" + listen + "'");
        }
        String host = listen.substring(0, colon);
        if (host.contains(":") && !(host.startsWith("[") && host.endsWith("]"))) {
            throw new CliException("--listen: write an IPv6 address in brackets, e.g. [::1]:9187, got '" + listen + "'");
        }
        try {
            int port = Integer.parseInt(listen.substring(colon + 1));
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return new Listen(host, port);
        } catch (NumberFormatException e) {
            throw new CliException("--listen must be HOST:PORT with a port from 0 to 65535, got '" + listen + "'");
        }
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
        Listen l = listen();
        try {
            return new WatchConfig(interval, 4, l.host(), l.port(), null, auditLog, null, List.of(t), webConfig,
                    allowedHosts);
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        }
    }

    private static int report(PrintStream out, Watchdog w) {
        boolean problems = false;
        for (TargetStatus t : w.status()) {
            out.println(ControlCharacters.escape(t.line()));
            problems |= t.problems();
        }
        out.flush();
        return problems ? 1 : 0;
    }

    /** SIGHUP re-reads the file; a bad file is logged and the running configuration kept. JDK-internal API. */
    @SuppressWarnings("sunapi")
    private static void onHangup(Watchdog w, Path file, java.util.function.UnaryOperator<WatchConfig> flags) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> {
                try {
                    w.reload(flags.apply(WatchConfig.load(file)));
                } catch (ConfigException | IllegalArgumentException | CliException e) {
                    LOG.error("SIGHUP: keeping the running configuration: {}", e.getMessage());
                }
            });
        } catch (IllegalArgumentException e) {
            LOG.warn("SIGHUP is not available on this platform: restart to apply configuration changes");
        }
    }
}
