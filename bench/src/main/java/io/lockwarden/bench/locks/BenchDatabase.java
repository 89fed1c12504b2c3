package io.lockwarden.bench.locks;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The server and pool every lock benchmark shares: a private embedded PostgreSQL over TCP loopback,
 * one HikariCP pool (as a new user would configure it: defaults, enough connections for 64 threads),
 * and the tables the work and the table-based peers need. Thread-safe once built; close it.
 */
final class BenchDatabase implements AutoCloseable {
    /** Rows of the work table and of the FOR UPDATE lock table: one per key (at most 1,000 keys). */
    static final int KEYS = 1000;
    /** The largest number of threads a benchmark runs; the pool holds this many plus spares. */
    static final int MAX_THREADS = 64;

    final PostgresServer server;
    final HikariDataSource pool;
    final String version;
    final CpuMeter meter;

    BenchDatabase(int major) throws SQLException {
        server = PostgresServer.builder().version(major)
                .setting("max_connections", "200")
                .setting("max_locks_per_transaction", "256")
                .start();
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(server.jdbcUrl());
        config.setUsername(PostgresServer.SUPERUSER);
        config.setPassword(server.password());
        config.setMaximumPoolSize(MAX_THREADS + 8);
        config.setMinimumIdle(MAX_THREADS + 8);
        config.setPoolName("bench");
        pool = new HikariDataSource(config);
        try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE bench_counter (id int PRIMARY KEY, n bigint NOT NULL DEFAULT 0)");
            st.execute("INSERT INTO bench_counter (id) SELECT generate_series(0, " + (KEYS - 1) + ")");
            st.execute("CREATE TABLE bench_lock (id int PRIMARY KEY)");
            st.execute("INSERT INTO bench_lock (id) SELECT generate_series(0, " + (KEYS - 1) + ")");
            st.execute(springIntegrationLockTable());
            // Liquibase's DATABASECHANGELOGLOCK, one row per hand-off trial (emulated, see Handoff).
            st.execute("CREATE TABLE bench_changeloglock (id int PRIMARY KEY, locked boolean NOT NULL DEFAULT false, "
                    + "lockgranted timestamp, lockedby varchar(255))");
            st.execute("INSERT INTO bench_changeloglock (id) SELECT generate_series(0, " + (KEYS - 1) + ")");
            // ShedLock ships no DDL in its jar: this is the PostgreSQL table from its README.
            st.execute("CREATE TABLE shedlock (name VARCHAR(64) NOT NULL, lock_until TIMESTAMP NOT NULL, "
                    + "locked_at TIMESTAMP NOT NULL, locked_by VARCHAR(255) NOT NULL, PRIMARY KEY (name))");
            st.execute("VACUUM ANALYZE");
            awaitFullPool();
            meter = new CpuMeter(c);
            try (ResultSet rs = st.executeQuery("SHOW server_version")) {
                rs.next();
                version = rs.getString(1);
            }
        }
    }

    private void awaitFullPool() {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (pool.getHikariPoolMXBean().getTotalConnections() < pool.getMaximumPoolSize()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the pool did not open " + pool.getMaximumPoolSize()
                        + " connections within 60 s");
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    /** The {@code CREATE TABLE INT_LOCK} statement of the PostgreSQL schema Spring Integration's jar ships. */
    private static String springIntegrationLockTable() {
        String resource = "org/springframework/integration/jdbc/schema-postgresql.sql";
        try (InputStream in = BenchDatabase.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is not on the classpath: spring-integration-jdbc is missing");
            }
            for (String statement : new String(in.readAllBytes(), StandardCharsets.UTF_8).split(";")) {
                if (statement.contains("CREATE TABLE INT_LOCK")) {
                    return statement.strip();
                }
            }
            throw new IllegalStateException(resource + " has no CREATE TABLE INT_LOCK");
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + resource, e);
        }
    }

    /** Sets every work row back to 0 and empties the peers' lock tables. */
    void reset() throws SQLException {
        try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
            st.execute("UPDATE bench_counter SET n = 0 WHERE n <> 0");
            st.execute("DELETE FROM INT_LOCK");
            st.execute("DELETE FROM shedlock");
            st.execute("VACUUM bench_counter, INT_LOCK, shedlock");
        }
    }

    /** The sum of the work counters: how many units of work were committed since {@link #reset}. */
    long committedUnits() throws SQLException {
        try (Connection c = pool.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT coalesce(sum(n), 0) FROM bench_counter")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The one row update every protected unit of work does (one round trip). */
    static void work(Connection c, int key) throws SQLException {
        try (var ps = c.prepareStatement("UPDATE bench_counter SET n = n + 1 WHERE id = ?")) {
            ps.setInt(1, key);
            ps.executeUpdate();
        }
    }

    @Override
    public void close() {
        pool.close();
        server.close();
    }
}
