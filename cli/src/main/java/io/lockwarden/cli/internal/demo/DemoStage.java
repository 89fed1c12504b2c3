package io.lockwarden.cli.internal.demo;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.lockwarden.LockKey;
import io.lockwarden.testkit.fixture.LockSessions;
import io.lockwarden.testkit.fixture.PgBouncer;
import io.lockwarden.testkit.fixture.PostgresServer;
import io.lockwarden.watch.WatchConfig;
import io.lockwarden.watch.Watchdog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * Everything the demo starts: the embedded PostgreSQL, the orders service's pool, the other instance's sessions,
 * PgBouncer, the watchdog and a private directory for their files. Each is created through this class and closed
 * by {@link #close()}, which a JVM shutdown hook also calls (Ctrl-C): nothing is created once it has run, so no
 * process, directory or port outlives the demo. Thread-safe: creation and closing are serialized.
 */
public final class DemoStage implements AutoCloseable {
    /** The key the orders service leaks. */
    public static final LockKey KEY = LockKey.named("orders", "nightly-settlement");

    private final Path dir;
    private boolean closed;
    private PostgresServer server;
    private HikariDataSource pool;
    private LockSessions sessions;
    private PgBouncer bouncer;
    private Watchdog watchdog;
    private int leakedPid = -1;
    private boolean everLeaked;
    private Connection worker;
    private Future<?> waiting;

    private DemoStage(Path dir) {
        this.dir = dir;
    }

    /** An empty stage with its own directory. @throws UncheckedIOException when no temporary directory can be made */
    public static DemoStage create() {
        try {
            return new DemoStage(Files.createTempDirectory("lockwarden-demo-"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the demo's directory in "
                    + System.getProperty("java.io.tmpdir") + ": " + e.getMessage(), e);
        }
    }

    /** Starts PostgreSQL (lock waits logged after 200 ms, for the post-mortem) and the orders service's pool. */
    public synchronized PostgresServer startServer(int version) throws SQLException {
        requireOpen();
        server = PostgresServer.builder().version(version).setting("log_lock_waits", "on")
                .setting("deadlock_timeout", "200ms").start();
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(server.jdbcUrl());
        config.setUsername(PostgresServer.SUPERUSER);
        config.setPassword(server.password());
        config.setMaximumPoolSize(2);
        config.setPoolName("orders-service");
        config.addDataSourceProperty("ApplicationName", "orders-service");
        pool = new HikariDataSource(config);
        sessions = new LockSessions(server);
        try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE settlement (id int PRIMARY KEY, amount numeric NOT NULL)");
        }
        return server;
    }

    /** Starts PgBouncer in transaction pooling with one server connection in front of the server. */
    public synchronized PgBouncer startBouncer(Path executable) {
        requireOpen();
        bouncer = PgBouncer.builder(server).executable(executable).poolSize(1).start();
        return bouncer;
    }

    /** Stops PgBouncer (its server connections end, and with them their locks). */
    public synchronized void stopBouncer() {
        if (bouncer != null) {
            bouncer.close();
            bouncer = null;
        }
    }

    /** Starts the watchdog, sampling on its own schedule too (the dashboard stays live). */
    public synchronized Watchdog startWatchdog(WatchConfig config) {
        requireOpen();
        watchdog = Watchdog.start(config);
        return watchdog;
    }

    /** The watchdog, when one runs. */
    public synchronized Optional<Watchdog> watchdog() {
        return Optional.ofNullable(watchdog);
    }

    /** The server. */
    public synchronized PostgresServer server() {
        return server;
    }

    /** The orders service's connection pool. */
    public synchronized HikariDataSource pool() {
        return pool;
    }

    /** The other instance's sessions (each with its own connection). */
    public synchronized LockSessions sessions() {
        return sessions;
    }

    /** The stage's private directory (config, password file, audit log); deleted on close. */
    public Path dir() {
        return dir;
    }

    /** Writes a file readable by its owner only, in the stage's directory. */
    public Path writePrivate(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    /**
     * The seed bug, once: the orders service takes a session lock inside a transaction that rolls back, and its
     * connection goes back to the pool still holding it; the next worker then waits behind it.
     *
     * @return the leaking backend's pid
     */
    public synchronized int ensureLeak() throws SQLException, InterruptedException {
        requireOpen();
        if (leakedPid > 0) {
            return leakedPid;
        }
        everLeaked = true;
        try (Connection c = pool.getConnection()) {
            leakedPid = LockSessions.pid(c);
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                // lockwarden:ignore all the demo reproduces the seed bug on purpose
                st.execute("SELECT pg_advisory_lock(" + KEY.sqlArguments() + ")");
                st.execute("INSERT INTO settlement VALUES (1, NULL)");
            } catch (SQLException failed) {
                c.rollback();
            }
            c.setAutoCommit(true);
        }
        worker = sessions.open("orders-worker-2");
        LockSessions.exec(worker, "SET lock_timeout = '60s'");
        // lockwarden:ignore LW101 the worker's session is ended by LockSessions.close(); ending it releases the lock
        waiting = sessions.blockOn(worker, "SELECT pg_advisory_lock(" + KEY.sqlArguments() + ")");
        return leakedPid;
    }

    /** The leaking pid, or -1 when no leak is staged (or it was ended). */
    public synchronized int leakedPid() {
        return leakedPid;
    }

    /** True once a leak was staged on this server, ended or not. */
    public synchronized boolean everLeaked() {
        return everLeaked;
    }

    /** The waiting worker's lock request, when a leak is staged. */
    public synchronized Future<?> waiting() {
        return waiting;
    }

    /** The waiting worker's connection, when a leak is staged. */
    public synchronized Connection worker() {
        return worker;
    }

    /** Forgets the leak once it has been ended (the worker got through). */
    public synchronized void leakEnded() {
        leakedPid = -1;
        waiting = null;
    }

    /** Granted advisory locks in {@code pg_locks}, of every session. */
    public int heldLocks() throws SQLException {
        return count("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted");
    }

    /** Granted advisory locks in {@code pg_locks} held by one backend. */
    public int heldBy(int pid) throws SQLException {
        return count("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = " + pid);
    }

    /** Sessions waiting for an advisory lock ({@code wait_event = 'advisory'}). */
    public int waitingSessions() throws SQLException {
        return count("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'advisory'");
    }

    private int count(String sql) throws SQLException {
        try (Connection c = server().connect("lockwarden-demo"); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** True once {@link #close()} has begun. */
    public synchronized boolean closed() {
        return closed;
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the demo is stopping (Ctrl-C): nothing more is started");
        }
    }

    /** Stops everything in reverse order and deletes the directory. Idempotent; never throws. */
    @Override
    public synchronized void close() {
        closed = true;
        quietly(watchdog);
        quietly(sessions);
        quietly(pool);
        quietly(bouncer);
        quietly(server);
        watchdog = null;
        sessions = null;
        pool = null;
        bouncer = null;
        server = null;
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // already gone
        }
    }

    private static void quietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            // stopping anyway: the rest must still be closed
        }
    }
}
