package io.lockwarden.watch;

import io.lockwarden.watch.internal.AuditLog;
import io.lockwarden.watch.internal.HttpApi;
import io.lockwarden.watch.internal.TargetMonitor;
import io.lockwarden.watch.internal.WatchMetrics;
import io.lockwarden.watch.internal.WebConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The watchdog: samples every target each interval (concurrently, at most {@link WatchConfig#concurrency()} at
 * once), tracks holds, exports Prometheus metrics, serves the HTTP API and dashboard, and, where a target's
 * policy says so and this replica holds that target's leader lock, ends idle holders of session locks that
 * are still safe to end at the moment of termination.
 *
 * <pre>{@code
 * try (Watchdog w = Watchdog.start(WatchConfig.load(Path.of("lockwarden.yml")))) {
 *     // http://127.0.0.1:9187/ ... until close()
 * }
 * }</pre>
 *
 * <p>A target that is down is retried with back-off and never delays the others. Thread-safe; {@link #close()}
 * is idempotent.
 */
public final class Watchdog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Watchdog.class);

    private final WatchMetrics metrics = new WatchMetrics();
    private final Map<String, TargetMonitor> targets = new LinkedHashMap<>();
    private final ScheduledExecutorService ticker;
    private final ExecutorService samplers;
    private final HttpApi http;
    private final AuditLog audit;
    private final String replica;
    private final Clock clock;
    private volatile WatchConfig config;
    private volatile boolean closed;

    private Watchdog(WatchConfig config, String replica, Clock clock, boolean schedule, boolean serve,
                     Duration idleTimeout) {
        this.config = config;
        this.replica = replica;
        this.clock = clock;
        this.audit = config.auditLog() == null ? null : new AuditLog(config.auditLog());
        try {
            for (TargetConfig t : config.targets()) {
                add(t);
            }
            samplers = Executors.newFixedThreadPool(config.concurrency(), daemon("lockwarden-sampler"));
            // read even when not serving, so that --once also refuses a bad file
            WebConfig web = config.webConfigFile() == null ? WebConfig.NONE : WebConfig.read(config.webConfigFile());
            if (serve) {
                this.http = new HttpApi(config.bind(), config.port(), new HttpApi.Exposure(web, config.allowedHosts(),
                        idleTimeout), this::monitors, metrics);
            } else {
                this.http = null;
            }
        } catch (RuntimeException e) {
            targets.values().forEach(TargetMonitor::close);
            if (audit != null) {
                audit.close();
            }
            throw e;
        }
        ticker = Executors.newSingleThreadScheduledExecutor(daemon("lockwarden-ticker"));
        if (schedule) {
            ticker.scheduleAtFixedRate(this::tick, 0, config.interval().toMillis(), TimeUnit.MILLISECONDS);
        }
        if (http != null) {
            String host = config.bind().contains(":") ? "[" + config.bind() + "]" : config.bind();
            LOG.info("lockwarden watch: {} target(s), every {} ms, {}://{}:{}/ (replica {})", targets.size(),
                    config.interval().toMillis(), http.tls() ? "https" : "http", host, http.port(), replica);
        }
    }

    /**
     * Starts watching: binds the HTTP port and schedules sampling every interval.
     *
     * @throws java.io.UncheckedIOException when the port cannot be bound or the audit log cannot be opened
     * @throws ConfigException when the web configuration file is invalid or its TLS files cannot be loaded
     */
    public static Watchdog start(WatchConfig config) {
        return builder(config).start();
    }

    /** A builder for a watchdog with options beyond the configuration (replica id, clock, manual sampling). */
    public static Builder builder(WatchConfig config) {
        return new Builder(config);
    }

    private void add(TargetConfig t) {
        TargetMonitor m = new TargetMonitor(t, config.interval(), config.history(), config.leaderHeartbeat(), audit,
                clock, replica);
        m.meters(metrics.register(m));
        targets.put(t.name(), m);
    }

    private synchronized Collection<TargetMonitor> monitors() {
        return List.copyOf(targets.values());
    }

    private void tick() {
        for (TargetMonitor m : monitors()) {
            if (closed) {
                return;
            }
            samplers.submit(m::sample);
        }
    }

    /**
     * Samples every target once now and waits for it (for tests and for {@code --once}); targets in back-off are
     * skipped. Never throws for a failing target: its failure is reported as down.
     */
    public void sampleNow() {
        List<Future<?>> running = new ArrayList<>();
        for (TargetMonitor m : monitors()) {
            running.add(samplers.submit(m::sample));
        }
        for (Future<?> f : running) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (java.util.concurrent.ExecutionException e) {
                LOG.warn("sampling failed unexpectedly", e.getCause());
            }
        }
    }

    /**
     * Applies a new configuration (SIGHUP): targets that stay keep their history, tracked holds and metrics; new
     * ones are added; removed ones stop. The interval, HTTP address and audit log are fixed at start.
     *
     * @throws IllegalArgumentException when the new configuration changes what cannot change at runtime
     */
    public synchronized void reload(WatchConfig next) {
        Objects.requireNonNull(next, "next");
        if (!next.bind().equals(config.bind()) || (next.port() != config.port() && config.port() != 0)
                || !Objects.equals(next.auditLog(), config.auditLog()) || !next.interval().equals(config.interval())
                || !Objects.equals(next.webConfigFile(), config.webConfigFile())
                || !next.allowedHosts().equals(config.allowedHosts())) {
            throw new IllegalArgumentException("interval, listen, audit_log, web_config_file and allowed_hosts "
                    + "cannot change on reload: restart the watchdog to change them");
        }
        Map<String, TargetConfig> wanted = new LinkedHashMap<>();
        next.targets().forEach(t -> wanted.put(t.name(), t));
        for (String name : List.copyOf(targets.keySet())) {
            if (!wanted.containsKey(name)) {
                targets.remove(name).close();
                metrics.unregister(name);
                LOG.info("reload: stopped watching target {}", name);
            }
        }
        WatchConfig previous = config;
        config = next;
        for (TargetConfig t : next.targets()) {
            TargetMonitor m = targets.get(t.name());
            if (m == null) {
                add(t);
                LOG.info("reload: now watching target {}", t.name());
            } else {
                m.configure(t);
            }
        }
        LOG.info("reload: {} target(s) (was {})", next.targets().size(), previous.targets().size());
    }

    /** The HTTP port actually bound. @throws IllegalStateException when started without serving */
    public int port() {
        if (http == null) {
            throw new IllegalStateException("this watchdog serves no HTTP (started with serving(false))");
        }
        return http.port();
    }

    /**
     * The dashboard's address, e.g. {@code https://[::1]:9187/}.
     *
     * @throws IllegalStateException when started without serving
     */
    public String url() {
        String host = config.bind().contains(":") ? "[" + config.bind() + "]" : config.bind();
        return (http != null && http.tls() ? "https" : "http") + "://" + host + ":" + port() + "/";
    }

    /**
     * Where each target stands after its last sample, in configuration order: for {@code --once} and for code
     * that embeds the watchdog without its HTTP side.
     */
    public List<TargetStatus> status() {
        List<TargetStatus> out = new ArrayList<>();
        for (TargetMonitor m : monitors()) {
            out.add(m.status());
        }
        return out;
    }

    /** This replica's id, as written in the audit log. */
    public String replica() {
        return replica;
    }

    /** The configuration in force. */
    public WatchConfig config() {
        return config;
    }

    /** True when the last sample of the named target succeeded. @throws IllegalArgumentException for an unknown name */
    public boolean up(String target) {
        return monitor(target).up();
    }

    /** True when this replica holds the named target's leader lock (and so may enforce). */
    public boolean leads(String target) {
        return monitor(target).leader();
    }

    /** The backend pid of this replica's leader lock on the target, or -1. */
    public int leaderPid(String target) {
        return monitor(target).leaderPid();
    }

    private synchronized TargetMonitor monitor(String name) {
        TargetMonitor m = targets.get(name);
        if (m == null) {
            throw new IllegalArgumentException("no target named '" + name + "'");
        }
        return m;
    }

    /** Stops sampling and serving, steps down as leader, closes connections and the audit log. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        ticker.shutdownNow();
        samplers.shutdown();
        try {
            samplers.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (http != null) {
            http.close();
        }
        targets.values().forEach(TargetMonitor::close);
        if (audit != null) {
            audit.close();
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** Options for a {@link Watchdog}. Not thread-safe. */
    public static final class Builder {
        private final WatchConfig config;
        private String replica = UUID.randomUUID().toString().substring(0, 8);
        private Clock clock = Clock.systemUTC();
        private boolean schedule = true;
        private boolean serve = true;
        private Duration idleTimeout = Duration.ofSeconds(10);

        private Builder(WatchConfig config) {
            this.config = Objects.requireNonNull(config, "config");
        }

        /** The id this replica writes in the audit log (default: random). */
        public Builder replica(String id) {
            this.replica = Objects.requireNonNull(id, "id");
            return this;
        }

        /** The clock for the audit log and the per-minute cap (default: system UTC). */
        public Builder clock(Clock c) {
            this.clock = Objects.requireNonNull(c, "clock");
            return this;
        }

        /** Whether to sample on a schedule (default true); false: only when {@link Watchdog#sampleNow()} is called. */
        public Builder scheduled(boolean on) {
            this.schedule = on;
            return this;
        }

        /** Whether to serve HTTP (default true); false: no port is bound (for {@code --once}). */
        public Builder serving(boolean on) {
            this.serve = on;
            return this;
        }

        /**
         * How long an HTTP connection may stay silent, mid-request or between requests, before it is closed
         * (default 10 s).
         */
        public Builder httpIdleTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("the HTTP idle timeout must be positive");
            }
            this.idleTimeout = timeout;
            return this;
        }

        /** Starts the watchdog. @throws java.io.UncheckedIOException as {@link Watchdog#start(WatchConfig)} */
        public Watchdog start() {
            return new Watchdog(config, replica, clock, schedule, serve, idleTimeout);
        }
    }
}
