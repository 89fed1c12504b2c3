package io.lockwarden.watch.internal;

import io.lockwarden.inspect.AdvisoryLockRow;
import io.lockwarden.inspect.Diagnosis;
import io.lockwarden.inspect.Finding;
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
    private Map<String, Finding> openIncidents = new LinkedHashMap<>();

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
            logIncidents(findings);
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
            election = new LeaderElection(name(), login.leaderDataSource(), heartbeat);
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
        if (!msg.equals(lastError)) {
            LOG.warn("target {}: {} failed: {}", name(), stage, msg);
        }
        lastError = stage + ": " + msg;
        if (!"enforce".equals(stage)) {
            long factor = 1L << Math.min(failures - 1, 10);
            Duration wait = interval.multipliedBy(factor);
            nextAttempt = clock.instant().plus(wait.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : wait)
                    .minusMillis(interval.toMillis() / 2);
        }
    }

    private void logIncidents(List<Finding> findings) {
        Map<String, Finding> now = new LinkedHashMap<>();
        for (Finding f : findings) {
            if (f.severity().isProblem()) {
                // identity by rule and sessions: rendering the keys (up to 100,000) at every sample would cost more than the rules
                now.put(f.rule() + " " + f.pids(), f);
            }
        }
        for (Map.Entry<String, Finding> e : now.entrySet()) {
            if (!openIncidents.containsKey(e.getKey())) {
                Finding f = e.getValue();
                LOG.warn("target {}: incident {} ({}): {} Fix: {}", name(), f.rule(), f.severity(), f.message(), f.fix());
            }
        }
        for (Map.Entry<String, Finding> e : openIncidents.entrySet()) {
            if (!now.containsKey(e.getKey())) {
                LOG.info("target {}: incident cleared: {} {}", name(), e.getValue().rule(), e.getValue().pids());
            }
        }
        openIncidents = now;
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
