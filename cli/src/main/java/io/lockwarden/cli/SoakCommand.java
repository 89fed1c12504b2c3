package io.lockwarden.cli;

import io.lockwarden.cli.internal.soak.JdbcUrls;
import io.lockwarden.connect.ConnectionSettings;
import io.lockwarden.connect.Password;
import io.lockwarden.cli.internal.soak.Fault;
import io.lockwarden.cli.internal.soak.SoakConfig;
import io.lockwarden.cli.internal.soak.SoakMode;
import io.lockwarden.cli.internal.soak.SoakReport;
import io.lockwarden.cli.internal.soak.SoakRun;
import io.lockwarden.cli.internal.soak.SoakSetupException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code lockwarden soak}: drives lock-protected work with injected faults against a real server while
 * sampling {@code pg_locks}, then prints a report and a verdict. Exit codes: 0 pass, 1 fail (violations,
 * leaked or accumulating locks), 2 bad usage or the run could not start. Not thread-safe (one run per instance).
 */
@Command(name = "soak",
        description = {"Run lock-protected units of work with injected faults and watch pg_locks: "
                + "prove that no lock leaks and mutual exclusion holds.",
                "Writes soak.csv and soak.svg (held and waiting locks over time) into --out.",
                "Exit codes: 0 pass, 1 fail, 2 bad usage."})
public final class SoakCommand implements Callable<Integer> {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");

    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Option(names = "--pooler-url", paramLabel = "CONNECTION",
            description = "Where the workers connect instead, e.g. a PgBouncer in transaction mode, in any form --url "
                    + "takes (postgresql://bouncer:6432/app); its console (database pgbouncer) serves pool-evict")
    String poolerUrl;

    @Option(names = "--password", description = "Password (default: the URL, PGPASSWORD, ~/.pgpass). Never printed.")
    String password;

    @Option(names = "--workers", defaultValue = "16", description = "Worker threads and client pool size (default ${DEFAULT-VALUE})")
    int workers;

    @Option(names = "--duration", defaultValue = "5m", description = "How long to run: 30s, 5m, 1h, 1m30s (default ${DEFAULT-VALUE})")
    String duration;

    @Option(names = "--keys", defaultValue = "50", description = "Distinct lock keys (default ${DEFAULT-VALUE})")
    int keys;

    @Option(names = "--faults", defaultValue = "all", completionCandidates = Candidates.SoakFaults.class,
            description = "Faults to inject: comma-separated exception,terminate,pool-evict,client-kill; all; none (default ${DEFAULT-VALUE})")
    String faults;

    @Option(names = "--fault-rate", defaultValue = "0.02", description = "Probability that a unit of work gets a fault (default ${DEFAULT-VALUE})")
    double faultRate;

    @Option(names = "--mode", defaultValue = "lockwarden", completionCandidates = Candidates.SoakModes.class,
            description = "lockwarden (the library), session-raw (the classic bug), xact-raw (plain SQL done right); default ${DEFAULT-VALUE}")
    String mode;

    @Option(names = "--lock-timeout", defaultValue = "2s", description = "Server-side lock timeout of each attempt (default ${DEFAULT-VALUE})")
    String lockTimeout;

    @Option(names = "--out", paramLabel = "DIR", description = "Directory for soak.csv and soak.svg (default ./lockwarden-soak-<date-time>)")
    Path out;

    @Option(names = "--seed", description = "Random seed (reported; default random)")
    Long seed;

    @ParentCommand
    Main main;

    /** Created by picocli. */
    public SoakCommand() {
    }

    /** Validates the options, runs the soak and prints the report; returns the exit code. */
    @Override
    public Integer call() {
        // faults break connections on purpose: keep the pool's warnings about them out of the report
        for (String logger : new String[] {"com.zaxxer.hikari", "io.lockwarden"}) {
            if (System.getProperty("org.slf4j.simpleLogger.log." + logger) == null) {
                System.setProperty("org.slf4j.simpleLogger.log." + logger, "error");
            }
        }
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter outWriter = spec.commandLine().getOut();
        SoakConfig config;
        try {
            config = config();
        } catch (IllegalArgumentException e) {
            err.println("lockwarden soak: " + e.getMessage());
            err.flush();
            return 2;
        }
        try {
            SoakReport report = new SoakRun(config, main.context().err()).run();
            outWriter.print(report.render());
            outWriter.flush();
            return report.passed() ? 0 : 1;
        } catch (SoakSetupException e) {
            err.println("lockwarden soak: " + e.getMessage());
            if (main.verbose) {
                e.printStackTrace(err);
            }
            err.flush();
            return 2;
        }
    }

    private SoakConfig config() {
        CliContext ctx = main.context();
        if (connection.url == null && connection.dbname == null && connection.host == null
                && ctx.getenv("PGHOST").isEmpty() && ctx.getenv("PGDATABASE").isEmpty() && ctx.getenv("PGSERVICE").isEmpty()) {
            throw new IllegalArgumentException("--url (or -h/-d, PGHOST, PGDATABASE, PGSERVICE) is required: name the "
                    + "server to soak, e.g. --url postgresql://localhost:5432/app");
        }
        // jdbc:lockwarden:postgresql:// sends the workers' connections through the guard driver: resolve the
        // plain URL behind it, then hand SoakRun the guard form again
        boolean guardServer = JdbcUrls.guarded(connection.url);
        connection.url = JdbcUrls.unguarded(connection.url);
        ConnectionSettings server = settings(() -> connection.server(ctx));
        String serverUrl = guardServer ? JdbcUrls.withGuard(server.jdbcUrl()) : server.jdbcUrl();
        String pooler = null;
        if (poolerUrl != null) {
            pooler = settings(() -> ConnectionOptions.resolve(ctx, "--pooler-url", JdbcUrls.unguarded(poolerUrl),
                    Map.of("user", server.user()))).jdbcUrl();
            pooler = JdbcUrls.guarded(poolerUrl) ? JdbcUrls.withGuard(pooler) : pooler;
        }
        if (workers < 1 || workers > 512) {
            throw new IllegalArgumentException("--workers must be between 1 and 512, got " + workers);
        }
        if (keys < 1 || keys > 1_000_000) {
            throw new IllegalArgumentException("--keys must be between 1 and 1000000, got " + keys);
        }
        if (!(faultRate >= 0 && faultRate <= 1)) {
            throw new IllegalArgumentException("--fault-rate must be between 0 and 1, got " + faultRate);
        }
        Duration runFor = parseDuration("--duration", duration);
        Duration timeout = parseDuration("--lock-timeout", lockTimeout);
        Set<Fault> faultSet = Fault.parseList(faults);
        SoakMode soakMode = SoakMode.parse(mode);
        String pw = password != null ? password : server.password().map(Password::reveal).orElse(null);
        Path dir = out != null ? out : Path.of("lockwarden-soak-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT)));
        checkOutDirectory(dir);
        long s = seed != null ? seed : System.nanoTime();
        return new SoakConfig(serverUrl, pooler, server.user(), pw, workers, runFor, keys, faultSet, faultRate, soakMode,
                timeout, dir, s);
    }

    /** Refuses, before the run, an --out that names a file or lies under one: the series could never be written. */
    private static void checkOutDirectory(Path dir) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--out " + dir + " is a file, not a directory: name a directory "
                    + "(created if missing) for soak.csv and soak.svg");
        }
        Path ancestor = dir.toAbsolutePath().getParent();
        while (ancestor != null && !Files.exists(ancestor)) {
            ancestor = ancestor.getParent();
        }
        if (ancestor != null && !Files.isDirectory(ancestor)) {
            throw new IllegalArgumentException("--out " + dir + " cannot be created: " + ancestor + " is a file; "
                    + "name a directory for soak.csv and soak.svg");
        }
    }

    private static ConnectionSettings settings(java.util.function.Supplier<ConnectionSettings> resolve) {
        try {
            return resolve.get();
        } catch (CliException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /**
     * Parses durations such as {@code 30s}, {@code 5m}, {@code 1h}, {@code 1m30s}, {@code 500ms}.
     *
     * @throws IllegalArgumentException naming the option and the accepted form
     */
    static Duration parseDuration(String option, String text) {
        String t = text == null ? "" : text.strip();
        Matcher m = DURATION.matcher(t);
        Duration total = Duration.ZERO;
        int end = 0;
        while (m.find() && m.start() == end) {
            long n = Long.parseLong(m.group(1));
            total = total.plus(switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            });
            end = m.end();
        }
        if (t.isEmpty() || end != t.length() || total.isZero()) {
            throw new IllegalArgumentException(option + " must be a positive duration such as 30s, 5m, 1h or 1m30s, got '"
                    + text + "'");
        }
        return total;
    }
}
