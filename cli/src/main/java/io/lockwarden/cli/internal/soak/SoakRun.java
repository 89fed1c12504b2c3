package io.lockwarden.cli.internal.soak;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.lockwarden.LockKey;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.LongAdder;
import org.postgresql.core.BaseConnection;

/**
 * One soak run: workers doing lock-protected units of work with faults injected at random points, a
 * {@link LeakSampler} reading {@code pg_locks} every second, and a cleanup that drops the run's table and ends every
 * session still holding one of its locks, also when the JVM is interrupted (Ctrl-C runs it from a shutdown
 * hook).
 *
 * <p>Each unit of work takes the lock on one of {@code keys} named keys (namespace
 * {@code lockwarden-soak-<run id>}), reads the key's counter row, and writes counter + 1 only if the
 * counter is still what it read. Under a working lock nobody else can change it in between; when the
 * conditional write finds it changed, two holders were inside at once: a mutual-exclusion violation.
 *
 * <p>Use once: {@link #run()} then discard. {@link #run()} is not reentrant; the rest is internal.
 */
public final class SoakRun {
    private static final int MAX_ERRORS_KEPT = 5;

    private final SoakConfig config;
    private final PrintStream progress;
    private final String runId = HexFormat.of().formatHex(longBytes(new Random().nextLong())).substring(0, 8);
    private final String namespace = "lockwarden-soak-" + runId;
    private final String table = "lockwarden_soak_" + runId;
    private final long classid = LockKey.hash(namespace) & 0xFFFFFFFFL;
    private final List<LockKey> keys = new ArrayList<>();
    private final Map<Long, Integer> rowByObjid = new HashMap<>();
    /** Per key: workers inside a unit of work on it (waiting, holding, committing or rolling back). */
    private final AtomicIntegerArray busy;

    private final LongAdder units = new LongAdder();
    private final LongAdder violations = new LongAdder();
    private final LongAdder lockTimeouts = new LongAdder();
    private final LongAdder otherErrors = new LongAdder();
    private final LongAdder inheritedLocks = new LongAdder();
    private final Map<Fault, LongAdder> faults = new EnumMap<>(Fault.class);
    private final List<String> firstErrors = Collections.synchronizedList(new ArrayList<>());

    private volatile boolean stopping;
    private volatile boolean interrupted;
    private HikariDataSource admin;
    private HikariDataSource pool;
    private PoolerConsole pooler;
    private final List<Thread> workers = new ArrayList<>();
    private LeakSampler sampler;
    private String cleanupResult;
    private long started;

    /** Prepares a run; nothing touches the database until {@link #run()}. */
    public SoakRun(SoakConfig config, PrintStream progress) {
        this.config = config;
        this.progress = progress;
        for (Fault f : Fault.values()) {
            faults.put(f, new LongAdder());
        }
        for (int i = 0; i < config.keys(); i++) {
            LockKey key = LockKey.named(namespace, "key-" + i);
            keys.add(key);
            rowByObjid.put(key.objid(), i);
        }
        busy = new AtomicIntegerArray(config.keys());
    }

    /** The namespace of this run's lock keys. */
    public String namespace() {
        return namespace;
    }

    /** The table this run creates (and drops). */
    public String table() {
        return table;
    }

    /**
     * Runs the soak to the end (or until the JVM is interrupted) and cleans up.
     *
     * @return the report, with its verdict
     * @throws SoakSetupException when the server cannot be reached or the table cannot be created
     */
    public SoakReport run() {
        Thread hook = new Thread(this::onInterrupt, "lockwarden-soak-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            setUp();
            started = System.nanoTime();
            sampler = new LeakSampler(admin, classid, rowByObjid, busy, started, () -> stopping, units::sum,
                    violations::sum, () -> faults.values().stream().mapToLong(LongAdder::sum).sum());
            sampler.start();
            startWorkers();
            sleepUntil(started + config.duration().toNanos());
            double seconds = (System.nanoTime() - started) / 1e9;
            stopWorkers();
            int left = locksLeft();
            sampler.sampleOnce();
            sampler.stop();
            long counterTotal = counterTotal();
            cleanUp();
            List<Sample> series = sampler.samples();
            List<Path> files = writeFiles(series);
            return report(seconds, left, counterTotal, series, files);
        } finally {
            cleanUp();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run
            }
        }
    }

    private SoakReport report(double seconds, int left, long counterTotal, List<Sample> series, List<Path> files) {
        Map<Fault, Long> byType = new EnumMap<>(Fault.class);
        faults.forEach((f, n) -> byType.put(f, n.sum()));
        int maxHeld = series.stream().mapToInt(Sample::held).max().orElse(0);
        int maxOrphaned = series.stream().mapToInt(Sample::orphaned).max().orElse(0);
        return new SoakReport(config, seconds, units.sum(), byType, violations.sum(), lockTimeouts.sum(),
                otherErrors.sum(), List.copyOf(firstErrors), inheritedLocks.sum(), left, SoakReport.slopePerMinute(series), maxHeld, maxOrphaned,
                counterTotal, series, cleanupResult, files, interrupted);
    }

    private List<Path> writeFiles(List<Sample> series) {
        try {
            return SeriesFiles.write(config.out(), "lockwarden soak " + config.mode().cliName()
                    + ": advisory locks held and waiting", series);
        } catch (IOException e) {
            progress.println("lockwarden soak: cannot write the time series to " + config.out() + ": " + e.getMessage());
            return List.of();
        } catch (io.lockwarden.cli.internal.OutputFileException e) {
            progress.println("lockwarden soak: " + e.getMessage());
            return List.of();
        }
    }

    // ---- set-up ----

    private void setUp() {
        admin = pool(JdbcUrls.unguarded(config.url()), 3, namespace + "-admin", false);
        try (Connection c = admin.getConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE " + table + " (k int PRIMARY KEY, counter bigint NOT NULL DEFAULT 0, "
                    + "last_pid int)");
            st.execute("INSERT INTO " + table + " (k) SELECT generate_series(0, " + (config.keys() - 1) + ")");
        } catch (SQLException e) {
            throw new SoakSetupException("cannot create the soak table on the server: " + e.getMessage()
                    + "; the role needs CREATE on the schema in the search path", e);
        }
        String workerUrl = config.poolerUrl() != null ? config.poolerUrl() : config.url();
        if (JdbcUrls.guarded(config.url()) || JdbcUrls.guarded(config.poolerUrl())) {
            workerUrl = JdbcUrls.withGuard(workerUrl); // only the workers' connections go through the guard
        }
        pool = pool(workerUrl, config.workers(), namespace, config.poolerUrl() != null);
        if (config.poolerUrl() != null) {
            pooler = new PoolerConsole(JdbcUrls.unguarded(config.poolerUrl()), config.user(), config.password(),
                    progress);
        }
    }

    private HikariDataSource pool(String url, int size, String applicationName, boolean throughPooler) {
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(url);
        if (config.user() != null) {
            hc.setUsername(config.user());
        }
        if (config.password() != null) {
            hc.setPassword(config.password());
        }
        hc.setMaximumPoolSize(size);
        hc.setMinimumIdle(Math.min(size, 2));
        hc.setPoolName(applicationName);
        hc.setConnectionTimeout(10_000);
        hc.setInitializationFailTimeout(10_000);
        hc.addDataSourceProperty("ApplicationName", applicationName);
        if (throughPooler) {
            hc.addDataSourceProperty("prepareThreshold", "0");
        }
        try {
            return new HikariDataSource(hc);
        } catch (RuntimeException e) {
            throw new SoakSetupException("cannot connect to " + JdbcUrls.redact(url) + ": " + rootMessage(e)
                    + "; check the URL, --user and --password", e);
        }
    }

    // ---- workers ----

    private void startWorkers() {
        LockStrategy strategy = switch (config.mode()) {
            case SESSION_RAW -> new SessionRawStrategy(pool, config.lockTimeout());
            case XACT_RAW -> new XactRawStrategy(pool, config.lockTimeout());
            case LOCKWARDEN -> new LibraryStrategy(pool, config.lockTimeout());
        };
        for (int i = 0; i < config.workers(); i++) {
            Thread t = new Thread(() -> workLoop(strategy), "lockwarden-soak-worker-" + i);
            t.setDaemon(true);
            workers.add(t);
            t.start();
        }
    }

    private void workLoop(LockStrategy strategy) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        List<Fault> enabled = List.copyOf(config.faults());
        while (!stopping) {
            int row = random.nextInt(keys.size());
            LockKey key = keys.get(row);
            Fault fault = !enabled.isEmpty() && random.nextDouble() < config.faultRate() ? leastInjected(enabled) : null;
            boolean faultBeforeWrite = random.nextBoolean();
            boolean[] fired = {false};
            busy.incrementAndGet(row);
            try {
                strategy.withLock(key, c -> {
                    long seen = readCounter(c, row, key);
                    if (fault != null && faultBeforeWrite) {
                        fired[0] = true;
                        inject(fault, c, key);
                    }
                    if (!writeCounter(c, row, seen)) {
                        violations.increment();
                    }
                    if (fault != null && !faultBeforeWrite) {
                        fired[0] = true;
                        inject(fault, c, key);
                    }
                });
                units.increment();
            } catch (InjectedFault expected) {
                // counted when injected
            } catch (Throwable t) {
                if (fired[0] || stopping) {
                    continue; // the injected fault (or the end of the run) broke this unit, as intended
                }
                if (isLockTimeout(t)) {
                    lockTimeouts.increment();
                } else {
                    otherErrors.increment();
                    if (firstErrors.size() < MAX_ERRORS_KEPT) {
                        firstErrors.add(rootMessage(t));
                    }
                }
            } finally {
                busy.decrementAndGet(row);
            }
        }
    }

    /**
     * Reads the key's counter and, in the same round trip, how many other keys of this run the worker's own
     * session holds: a unit of work holds one key, so any other is a lock leaked by an earlier unit that
     * used this session (through the pool or the pooler).
     */
    private long readCounter(Connection c, int row, LockKey key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT counter, (SELECT count(*) FROM pg_locks "
                + "WHERE pid = pg_backend_pid() AND locktype = 'advisory' AND granted AND objsubid = 2 "
                + "AND classid::bigint = ? AND objid::bigint <> ?) FROM " + table + " WHERE k = ?")) {
            ps.setLong(1, classid);
            ps.setLong(2, key.objid());
            ps.setInt(3, row);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                long inherited = rs.getLong(2);
                if (inherited > 0) {
                    inheritedLocks.increment();
                }
                return rs.getLong(1);
            }
        }
    }

    /** Writes seen + 1 if the counter is still {@code seen}; false when another holder changed it meanwhile. */
    private boolean writeCounter(Connection c, int row, long seen) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + table
                + " SET counter = ?, last_pid = pg_backend_pid() WHERE k = ? AND counter = ?")) {
            ps.setLong(1, seen + 1);
            ps.setInt(2, row);
            ps.setLong(3, seen);
            return ps.executeUpdate() == 1;
        }
    }

    /**
     * When to inject is random; which fault is the one injected fewest times so far, so that a short run (or a
     * slow machine, where few units of work happen) still exercises every enabled fault instead of leaving one
     * to chance.
     */
    private Fault leastInjected(List<Fault> enabled) {
        Fault least = enabled.get(0);
        for (Fault f : enabled) {
            if (faults.get(f).sum() < faults.get(least).sum()) {
                least = f;
            }
        }
        return least;
    }

    private void inject(Fault fault, Connection c, LockKey key) throws SQLException {
        faults.get(fault).increment();
        switch (fault) {
            case EXCEPTION -> throw new InjectedFault(fault);
            case TERMINATE -> {
                terminateHolderOf(key);
                throw new InjectedFault(fault);
            }
            case POOL_EVICT -> {
                pool.getHikariPoolMXBean().softEvictConnections();
                if (pooler != null) {
                    pooler.reconnect();
                }
            }
            case CLIENT_KILL -> {
                c.unwrap(BaseConnection.class).abort(Runnable::run);
                throw new InjectedFault(fault);
            }
            default -> throw new IllegalStateException("unknown fault " + fault);
        }
    }

    private void terminateHolderOf(LockKey key) throws SQLException {
        try (Connection c = admin.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                        + "AND classid::bigint = ? AND objid::bigint = ? AND objsubid = 2")) {
            ps.setLong(1, key.classid());
            ps.setLong(2, key.objid());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rs.getBoolean(1);
                }
            }
        }
    }

    private void stopWorkers() {
        stopping = true;
        long deadline = System.nanoTime() + config.lockTimeout().toNanos() + TimeUnit.SECONDS.toNanos(15);
        for (Thread t : workers) {
            try {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Locks of this run still held once the workers stopped; waits up to 3 s for backends that are exiting. */
    private int locksLeft() {
        try (Connection c = admin.getConnection()) {
            return heldAfterWaiting(c, 3);
        } catch (SQLException e) {
            throw new SoakSetupException("cannot read pg_locks at the end of the run: " + e.getMessage(), e);
        }
    }

    private long counterTotal() {
        try (Connection c = admin.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT coalesce(sum(counter), 0) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            return -1;
        }
    }

    // ---- cleanup ----

    private void onInterrupt() {
        if (cleanupResult != null) {
            return;
        }
        interrupted = true;
        stopping = true;
        progress.println("lockwarden soak: interrupted; stopping workers and cleaning up");
        for (Thread t : workers) {
            try {
                t.join(2_000);
            } catch (InterruptedException e) {
                break;
            }
        }
        cleanUp();
        progress.println("lockwarden soak: cleanup: " + cleanupResult);
    }

    /**
     * Closes the worker pool, ends any session still holding a lock of this run (e.g. a leaked lock on a
     * pooler's server connection), drops the table and checks that nothing is left. Idempotent.
     */
    private synchronized void cleanUp() {
        if (cleanupResult != null) {
            return;
        }
        stopping = true;
        if (sampler != null) {
            sampler.interrupt();
        }
        if (pool != null) {
            pool.close();
        }
        if (pooler != null) {
            pooler.reconnect();
        }
        if (admin == null) {
            cleanupResult = "nothing to clean";
            return;
        }
        StringBuilder result = new StringBuilder();
        try (Connection c = admin.getConnection(); Statement st = c.createStatement()) {
            int terminated = 0;
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_terminate_backend(pid) FROM "
                    + "(SELECT DISTINCT pid FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2 "
                    + "AND classid::bigint = ? AND pid <> pg_backend_pid()) holders")) {
                ps.setLong(1, classid);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        terminated += rs.getBoolean(1) ? 1 : 0;
                    }
                }
            }
            st.execute("DROP TABLE IF EXISTS " + table);
            int left = heldAfterWaiting(c, 5);
            boolean tableGone;
            try (ResultSet rs = st.executeQuery("SELECT to_regclass('" + table + "') IS NULL")) {
                rs.next();
                tableGone = rs.getBoolean(1);
            }
            result.append(tableGone ? "table dropped" : "TABLE " + table + " STILL EXISTS")
                    .append(", ").append(terminated).append(" session(s) holding leaked locks terminated, ")
                    .append(left).append(" lock(s) of this run left on the server");
        } catch (SQLException e) {
            result.append("FAILED: ").append(e.getMessage()).append("; drop table ").append(table)
                    .append(" and end sessions holding locks with classid ").append(classid).append(" by hand");
        } finally {
            admin.close();
            if (pooler != null) {
                pooler.close();
            }
        }
        cleanupResult = result.toString();
    }

    /** Locks of this run held on the server, polled every 100 ms until none are left or {@code seconds} have passed. */
    private int heldAfterWaiting(Connection c, long seconds) throws SQLException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                + "AND objsubid = 2 AND classid::bigint = ?")) {
            ps.setLong(1, classid);
            while (true) {
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    int n = rs.getInt(1);
                    if (n == 0 || System.nanoTime() > deadline) {
                        return n;
                    }
                }
                sleepMillis(100);
            }
        }
    }

    // ---- helpers ----

    static boolean isLockTimeout(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SQLException s && "55P03".equals(s.getSQLState())) {
                return true;
            }
            if (c instanceof io.lockwarden.LockTimeoutException) {
                return true;
            }
        }
        return false;
    }

    static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage();
        return root.getClass().getSimpleName() + (m == null ? "" : ": " + m.lines().findFirst().orElse(""));
    }

    private void sleepUntil(long deadline) {
        while (!stopping) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            sleepMillis(Math.min(200, TimeUnit.NANOSECONDS.toMillis(left) + 1));
        }
    }

    private static void sleepMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static byte[] longBytes(long v) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (v >>> (8 * i));
        }
        return b;
    }
}
