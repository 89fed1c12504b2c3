package io.lockwarden.watch.internal;

import io.lockwarden.inspect.AdvisoryLockRow;
import io.lockwarden.inspect.Diagnosis;
import io.lockwarden.inspect.Finding;
import io.lockwarden.inspect.Incident;
import io.lockwarden.inspect.InspectionException;
import io.lockwarden.inspect.Inspector;
import io.lockwarden.inspect.SessionInfo;
import io.lockwarden.inspect.Snapshot;
import io.lockwarden.inspect.rules.RuleOptions;
import io.lockwarden.watch.Policy;
import io.lockwarden.watch.TargetConfig;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches one target: keeps one sampling connection, reads a snapshot with the {@link Inspector} (the same
 * rules as {@code diagnose}), tracks holds, updates history and metrics, logs incidents as they appear and
 * clear, and runs the enforcer when this replica leads. A failure marks the target down and backs off
 * (doubling, up to 5 minutes) without affecting other targets; the next success resumes by itself.
 * {@link #sample()} is called by one thread at a time (guarded); the read accessors are thread-safe.
 */
public final class TargetMonitor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TargetMonitor.class);
    private static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

    private volatile TargetConfig config;
    private volatile Inspector inspector;
    private volatile Inspector plainInspector;
    private volatile TargetLogin login;
    private final Duration interval;
    private final Duration heartbeat;
    private final HoldTracker tracker = new HoldTracker();
    private final History history;
    private final AuditLog audit;
    private final Enforcer enforcer;
    private final Clock clock;
    private final AtomicBoolean busy = new AtomicBoolean();
    private WatchMetrics.TargetMeters meters;
    private LeaderElection election;
    private Connection connection;
    private volatile boolean up;
    private volatile boolean attempted;
    private volatile String lastError;
    private volatile long lastSuccess;
    private volatile Diagnosis diagnosis;
    private volatile SampleStats stats;
    private int failures;
    private Instant nextAttempt = Instant.EPOCH;
    private Map<String, OpenIncident> openIncidents = new LinkedHashMap<>();

    /** A monitor for one target; it connects at its first sample. */
    public TargetMonitor(TargetConfig config, Duration interval, Duration historySpan, Duration heartbeat,
                         AuditLog audit, Clock clock, String replica) {
        this.interval = interval;
        this.heartbeat = heartbeat;
        this.audit = audit;
        this.clock = clock;
        this.history = new History((int) Math.min(10_000, Math.max(2, historySpan.toMillis() / interval.toMillis())));
        this.enforcer = audit == null ? null : new Enforcer(config.name(), audit, clock, replica);
        configure(config);
    }

    /** Applies a (re)loaded configuration, keeping history and tracked holds; reconnects when the login changed. */
    public synchronized void configure(TargetConfig c) {
        boolean loginChanged = config == null || !c.connection().equals(config.connection())
                || !java.util.Objects.equals(c.user(), config.user()) || !c.password().equals(config.password())
                || !java.util.Objects.equals(c.pgBouncer(), config.pgBouncer());
        this.config = c;
        if (loginChanged) {
            this.login = new TargetLogin(c);
            closeConnection();
            if (election != null) {
                election.close();
                election = null;
            }
        }
        Inspector.Builder b = Inspector.builder().statements(false)
                .options(RuleOptions.defaults().withIdleThreshold(c.idleAlertAfter()));
        c.namespaces().forEach(b::namespace);
        plainInspector = b.build();
        if (c.pgBouncer() != null) {
            b.pgBouncer(login.console());
        }
        inspector = b.build();
    }

    /** Attaches the metrics. */
    public void meters(WatchMetrics.TargetMeters m) {
        this.meters = m;
    }

    /** The target's name. */
    public String name() {
        return config.name();
    }

    /** The configuration in force. */
    public TargetConfig config() {
        return config;
    }

    /**
     * Samples once when due (skipped during back-off, or when the previous sample still runs). Never throws.
     *
     * @return true when a sample was attempted
     */
    public boolean sample() {
        if (!busy.compareAndSet(false, true)) {
            return false;
        }
        try {
            synchronized (this) {
                Instant now = clock.instant();
                if (now.isBefore(nextAttempt)) {
                    return false;
                }
                sampleNow();
                return true;
            }
        } finally {
            busy.set(false);
        }
    }

    private void sampleNow() {
        long start = System.nanoTime();
        String stage = "connect";
        try {
            if (connection == null || connection.isClosed()) {
                connection = login.connect();
            }
            stage = "snapshot";
            Snapshot s;
            try {
                s = inspector.snapshot(connection);
            } catch (InspectionException e) {
                if (config.pgBouncer() == null || !(e.getCause() instanceof io.lockwarden.connect.ConsoleException)) {
                    throw e;
                }
                meters.error("pgbouncer");
                LOG.warn("target {}: {}; sampling PostgreSQL without it", name(), e.getMessage());
                s = plainInspector.snapshot(connection);
            }
            s = withoutLeaderLocks(s);
            long read = System.nanoTime();
            stage = "rules";
            Diagnosis d = inspector.diagnose(s);
            List<Finding> findings = d.findings();
            long ruled = System.nanoTime();
            List<HoldTracker.TrackedHold> tracked = tracker.update(s);
            long trackedAt = System.nanoTime();
            SampleStats st = SampleStats.of(d, tracked);
            if (LOG.isDebugEnabled()) {
                LOG.debug("target {}: {} locks; snapshot {} ms, rules {} ms, tracking {} ms, figures {} ms", name(),
                        s.locks().size(), (read - start) / 1_000_000, (ruled - read) / 1_000_000,
                        (trackedAt - ruled) / 1_000_000, (System.nanoTime() - trackedAt) / 1_000_000);
            }
            diagnosis = d;
            stats = st;
            history.add(s.takenAt().getEpochSecond(), st.held(), st.waiting());
            if (!up && attempted) {
                LOG.info("target {}: up again", name());
            }
            up = true;
            attempted = true;
            failures = 0;
            lastError = null;
            lastSuccess = clock.millis();
            nextAttempt = Instant.EPOCH;
            meters.sampled(st, System.nanoTime() - start);
            logIncidents(d);
            stage = "enforce";
            enforce(s, findings, tracked);
        } catch (SQLException | RuntimeException e) {
            fail(stage, e);
        }
    }

    private void enforce(Snapshot s, List<Finding> findings, List<HoldTracker.TrackedHold> tracked) {
        Policy p = config.policy();
        if (p.mode() == Policy.Mode.OFF || enforcer == null) {
            if (election != null) {
                election.close();
                election = null;
            }
            return;
        }
        if (election == null) {
            election = new LeaderElection(name(), login.leaderDataSource(), heartbeat, interval, clock);
        }
        if (!election.ensure()) {
            return;
        }
        LeaderElection e = election;
        for (Enforcer.Decision d : enforcer.enforce(connection, p, s, findings, tracked, e::isLeader, e.pid())) {
            meters.decision(d);
        }
    }

    private void fail(String stage, Exception e) {
        if (!"enforce".equals(stage)) {
            closeConnection();
            up = false;
            stats = null;
            meters.down();
        }
        attempted = true;
        meters.error(stage);
        failures++;
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
        if (!(stage + ": " + msg).equals(lastError)) {
            // once per distinct failure, not at every retry
            LOG.warn("target {}: {} failed: {}", name(), stage, LogText.of(msg));
        }
        lastError = stage + ": " + msg;
        if (!"enforce".equals(stage)) {
            long factor = 1L << Math.min(failures - 1, 10);
            Duration wait = interval.multipliedBy(factor);
            nextAttempt = clock.instant().plus(wait.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : wait)
                    .minusMillis(interval.toMillis() / 2);
        }
    }

    /**
     * One log line when an incident (as {@code diagnose} groups findings) appears, one when it changes materially
     * (its holders, its severity, or its waiters start, stop, or double or halve), one when it clears. Problem
     * findings outside any incident are logged the same way, by rule.
     */
    private void logIncidents(Diagnosis d) {
        Map<String, OpenIncident> now = new LinkedHashMap<>();
        // by identity: a finding's equals/hashCode would walk its keys (up to 100,000) at every sample
        Set<Finding> grouped = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Incident i : d.incidents()) {
            grouped.addAll(i.findings());
            if (!i.severity().isProblem()) {
                continue;
            }
            String key = i.kind().id() + (i.prepared().isEmpty() ? "" : " " + i.prepared().get(0).gid()) + " "
                    + i.remedy().action();
            Set<Integer> holders = new java.util.TreeSet<>();
            i.holders().forEach(h -> holders.add(h.pid()));
            String fix = i.remedy().command() != null ? i.remedy().command() : i.remedy().note();
            now.put(key, new OpenIncident(i.kind().id(), i.severity().name().toLowerCase(java.util.Locale.ROOT),
                    i.summary(), fix, holders, i.waiterPids().size(), clock.instant()));
        }
        for (Finding f : d.findings()) {
            if (f.severity().isProblem() && !grouped.contains(f)) {
                now.putIfAbsent("rule " + f.rule(), new OpenIncident(f.rule(),
                        f.severity().name().toLowerCase(java.util.Locale.ROOT), f.message(), f.fix(),
                        new java.util.TreeSet<>(f.pids()), 0, clock.instant()));
            }
        }
        for (Map.Entry<String, OpenIncident> e : now.entrySet()) {
            OpenIncident was = openIncidents.get(e.getKey());
            OpenIncident is = e.getValue();
            if (was == null) {
                LOG.warn("target {}: incident {} ({}): {}; fix: {}", name(), is.kind(), is.severity(),
                        LogText.of(is.summary()), LogText.of(is.fix()));
            } else {
                e.setValue(is.since(was.since()));
                if (was.materiallyDifferent(is)) {
                    LOG.warn("target {}: incident {} changed ({}): {}; fix: {}", name(), is.kind(), is.severity(),
                            LogText.of(is.summary()), LogText.of(is.fix()));
                } else {
                    e.setValue(was); // compare the next sample with what was last logged
                }
            }
        }
        for (Map.Entry<String, OpenIncident> e : openIncidents.entrySet()) {
            if (!now.containsKey(e.getKey())) {
                OpenIncident was = e.getValue();
                LOG.info("target {}: incident {} cleared after {} s", name(), was.kind(),
                        Duration.between(was.since(), clock.instant()).toSeconds());
            }
        }
        openIncidents = now;
    }

    /** An incident as last logged. */
    private record OpenIncident(String kind, String severity, String summary, String fix, Set<Integer> holders,
                                int waiters, Instant since) {
        OpenIncident since(Instant first) {
            return new OpenIncident(kind, severity, summary, fix, holders, waiters, first);
        }

        boolean materiallyDifferent(OpenIncident o) {
            boolean waitersMoved = (waiters == 0) != (o.waiters == 0) || o.waiters >= 2 * Math.max(1, waiters)
                    || waiters >= 2 * Math.max(1, o.waiters);
            return !severity.equals(o.severity) || !holders.equals(o.holders) || waitersMoved;
        }
    }

    /** The watchdog's own leader locks (of any replica) are not application locks: drop them from the sample. */
    static Snapshot withoutLeaderLocks(Snapshot s) {
        Set<Integer> leaders = new HashSet<>();
        for (AdvisoryLockRow r : s.locks()) {
            if (r.granted() && r.key().classid() == LeaderElection.KEY.classid()
                    && r.key().objid() == LeaderElection.KEY.objid()
                    && r.key().objsubid() == LeaderElection.KEY.objsubid()) {
                leaders.add(r.pid());
            }
        }
        if (leaders.isEmpty()) {
            return s;
        }
        List<AdvisoryLockRow> locks = s.locks().stream().filter(r -> !leaders.contains(r.pid())).toList();
        List<SessionInfo> sessions = s.sessions().stream().filter(x -> !leaders.contains(x.pid())).toList();
        return new Snapshot(s.takenAt(), s.serverVersion(), s.serverVersionNum(), s.settings(), s.visibility(), locks,
                sessions, s.lockTableEntries(), s.pgBouncer(), s.statements());
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                // already broken: nothing to release
            }
            connection = null;
        }
    }

    /** True when the last sample succeeded. */
    public boolean up() {
        return up;
    }

    /** True once a first sample was attempted. */
    public boolean attempted() {
        return attempted;
    }

    /** Why the last sample failed (stage: message, never a password), or null. */
    public String lastError() {
        return lastError;
    }

    /** Unix seconds of the last successful sample, or NaN when none. */
    public double lastSuccessEpochSeconds() {
        return lastSuccess == 0 ? Double.NaN : lastSuccess / 1000.0;
    }

    /** True when this replica holds the target's leader lock. */
    public boolean leader() {
        LeaderElection e = election;
        return e != null && e.isLeader();
    }

    /** The backend pid of this replica's leader lock, or -1. */
    public int leaderPid() {
        LeaderElection e = election;
        return e == null ? -1 : e.pid();
    }

    /** The latest diagnosis, or null before the first success. */
    public Diagnosis diagnosis() {
        return diagnosis;
    }

    /** The latest numbers, or null before the first success. */
    public SampleStats stats() {
        return stats;
    }

    /** The held/waiting history. */
    public History history() {
        return history;
    }

    /** The audit log (shared by all targets), or null. */
    public AuditLog audit() {
        return audit;
    }

    /** A description of where the target is (host:port/db as user), never a password. */
    public String describe() {
        return login.describe();
    }

    /** Where the target stands, for {@code --once} and embedding code. */
    public io.lockwarden.watch.TargetStatus status() {
        SampleStats st = stats;
        Diagnosis d = diagnosis;
        boolean isUp = up && st != null && d != null;
        List<String> incidents = !isUp ? List.of() : d.incidents().stream().filter(i -> i.severity().isProblem())
                .map(i -> i.kind().id() + " (" + i.severity().name().toLowerCase(java.util.Locale.ROOT) + ")").toList();
        boolean problems = !isUp || d.findings().stream().anyMatch(f -> f.severity().isProblem());
        return new io.lockwarden.watch.TargetStatus(name(), health(), lastError, isUp ? st.held() : 0,
                isUp ? st.waiting() : 0, incidents, problems);
    }

    /** The connection state for the API, e.g. {@code up}, {@code down}, {@code pending}. */
    public String health() {
        return up ? "up" : attempted ? "down" : "pending";
    }

    /** Closes the sampling connection and steps down as leader. */
    @Override
    public synchronized void close() {
        closeConnection();
        if (election != null) {
            election.close();
            election = null;
        }
    }
}
