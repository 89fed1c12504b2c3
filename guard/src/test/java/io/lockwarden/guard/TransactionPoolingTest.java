package io.lockwarden.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.lockwarden.UnsafeLockUsageException;
import io.lockwarden.testkit.fixture.PgBouncer;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The war story behind a stock PgBouncer in transaction pooling (4 server connections), with 4 application
 * threads on a HikariCP pool of 4 running unchanged code that leaves session locks behind (rollback, a transaction
 * aborted by an error, a try-lock whose result is ignored, a literal key in a Statement, several statements in one
 * string, a batch) and a fifth client hammering short transactions on the same small pool, so that another
 * client's transaction takes each server connection right after the application's transaction ends. Every
 * transaction of every client first asks {@code pg_locks} whether its server connection came with an advisory
 * lock: with {@code lockwarden.pooler=transaction} none ever does, nothing is left in {@code pg_locks}, and a
 * read-modify-write counter under one shared key ends exact.
 */
class TransactionPoolingTest {
    private static final int CLIENTS = 4;
    private static final int TRANSACTIONS_PER_CLIENT = 42; // 6 patterns x 7
    private static final long SHARED_KEY = 2_000_001;
    private static final String OWN_LOCKS = "SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid() "
            + "AND locktype = 'advisory'";

    /** What one run saw. */
    private record Run(int committedIncrements, int counter, int inherited, int hammerInherited, int leftInPgLocks,
                       int leakingTransactions, int hammerTransactions, String log) {
    }

    /** Unchanged application code, one pattern per transaction; returns whether it committed an increment. */
    private static boolean applicationTransaction(Connection c, int pattern, long ownKey) throws SQLException {
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            switch (pattern) {
                case 0 -> { // rollback: the session lock survives it
                    try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_lock(?)")) {
                        lock.setLong(1, SHARED_KEY);
                        lock.execute();
                    }
                    increment(c);
                    c.rollback();
                    return false;
                }
                case 1 -> { // an error aborts the transaction before the unlock; the application rolls back
                    st.execute("SELECT pg_advisory_lock(" + SHARED_KEY + ")");
                    try {
                        st.execute("SELECT 1/0");
                        st.execute("SELECT pg_advisory_unlock(" + SHARED_KEY + ")");
                        c.commit();
                    } catch (SQLException e) {
                        c.rollback();
                    }
                    return false;
                }
                case 2 -> { // a try-lock whose result nobody reads, on the client's own key
                    st.execute("SELECT pg_try_advisory_lock(" + ownKey + ")");
                    c.commit();
                    return false;
                }
                case 3 -> { // a literal key in a Statement, no unlock
                    st.execute("SELECT pg_advisory_lock(" + SHARED_KEY + ")");
                    increment(c);
                    c.commit();
                    return true;
                }
                case 4 -> { // several statements in one string
                    st.execute("SELECT pg_advisory_lock(" + SHARED_KEY + "); SELECT 1");
                    increment(c);
                    c.commit();
                    return true;
                }
                default -> { // a batch; then an error aborts and the application still calls commit()
                    st.addBatch("SELECT pg_advisory_lock(" + SHARED_KEY + ")");
                    st.addBatch("SELECT pg_advisory_lock(" + ownKey + ")");
                    st.executeBatch();
                    increment(c);
                    try {
                        st.execute("SELECT 1/0");
                    } catch (SQLException e) {
                        c.commit(); // the server rolls it back
                    }
                    return false;
                }
            }
        }
    }

    /** Read, compute, write: exact only if no two clients run it at once. */
    private static void increment(Connection c) throws SQLException {
        int v;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT v FROM guard_counter")) {
            rs.next();
            v = rs.getInt(1);
        }
        try (PreparedStatement up = c.prepareStatement("UPDATE guard_counter SET v = ?")) {
            up.setInt(1, v + 1);
            up.executeUpdate();
        }
    }

    private static int count(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static HikariDataSource pool(String url, String name, int size, boolean autoCommit) {
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(url);
        hc.setUsername(PostgresServer.SUPERUSER);
        hc.setPassword("unused: trust");
        hc.setMaximumPoolSize(size);
        hc.setMinimumIdle(size);
        hc.setAutoCommit(autoCommit);
        hc.setPoolName(name);
        hc.setConnectionTimeout(30_000);
        return new HikariDataSource(hc);
    }

    private static String guardUrl(PgBouncer bouncer, String... properties) {
        return "jdbc:lockwarden:" + bouncer.jdbcUrl().substring("jdbc:".length()) + "&lockwarden.pooler=transaction"
                + "&lockwarden.listener=" + RecordingListener.class.getName()
                + (properties.length == 0 ? "" : "&" + String.join("&", properties));
    }

    private static int advisoryLocksOnTheServer(PostgresServer server) throws SQLException {
        try (Connection c = server.connect("probe")) {
            return count(c, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'");
        }
    }

    /** Runs the application threads and the hammer; captures what the guard logged. */
    private static Run run(PostgresServer server, PgBouncer bouncer, String appUrl, boolean autoCommit,
                           boolean uniqueKeys) throws Exception {
        try (Connection c = server.connect("setup"); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS guard_counter");
            st.execute("CREATE TABLE guard_counter (v int NOT NULL)");
            st.execute("INSERT INTO guard_counter VALUES (0)");
        }
        PrintStream stderr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        AtomicInteger increments = new AtomicInteger();
        AtomicInteger inherited = new AtomicInteger();
        AtomicInteger hammerInherited = new AtomicInteger();
        AtomicInteger hammerTransactions = new AtomicInteger();
        AtomicInteger leaking = new AtomicInteger();
        AtomicBoolean done = new AtomicBoolean();
        AtomicLong keys = new AtomicLong(3_000_000);
        ExecutorService threads = Executors.newFixedThreadPool(CLIENTS + 1);
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try (HikariDataSource app = pool(appUrl, "app", CLIENTS, autoCommit);
             HikariDataSource hammer = pool(bouncer.jdbcUrl(), "hammer", 1, true)) {
            Future<?> hammering = threads.submit(() -> {
                while (!done.get()) {
                    try (Connection c = hammer.getConnection()) {
                        c.setAutoCommit(false);
                        if (count(c, OWN_LOCKS) > 0) {
                            hammerInherited.incrementAndGet();
                        }
                        c.commit();
                        hammerTransactions.incrementAndGet();
                    }
                }
                return null;
            });
            List<Future<?>> clients = new ArrayList<>();
            for (int t = 0; t < CLIENTS; t++) {
                int thread = t;
                clients.add(threads.submit(() -> {
                    for (int i = 0; i < TRANSACTIONS_PER_CLIENT; i++) {
                        long own = uniqueKeys ? keys.incrementAndGet() : 4_000_000 + thread;
                        int pattern = (i + thread) % 6;
                        try (Connection c = app.getConnection()) {
                            c.setAutoCommit(false);
                            if (count(c, OWN_LOCKS) > 0) {
                                inherited.incrementAndGet();
                            }
                            if (uniqueKeys) { // report mode leaks: one fresh key per transaction, nobody waits
                                try (Statement st = c.createStatement()) {
                                    st.execute("SELECT pg_advisory_lock(" + own + "); SELECT 1");
                                }
                                c.rollback();
                                leaking.incrementAndGet();
                            } else if (applicationTransaction(c, pattern, own)) {
                                increments.incrementAndGet();
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : clients) {
                f.get(120, TimeUnit.SECONDS);
            }
            done.set(true);
            hammering.get(30, TimeUnit.SECONDS);
        } finally {
            System.setErr(stderr);
            threads.shutdownNow();
        }
        int counter;
        try (Connection c = server.connect("probe")) {
            counter = count(c, "SELECT v FROM guard_counter");
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        stderr.print(log);
        return new Run(increments.get(), counter, inherited.get(), hammerInherited.get(),
                advisoryLocksOnTheServer(server), leaking.get(), hammerTransactions.get(), log);
    }

    private static int occurrences(String log, String text) {
        return log.split(Pattern.quote(text), -1).length - 1;
    }

    @ParameterizedTest(name = "PostgreSQL {0}, pool autoCommit={1}")
    @CsvSource({"14, true", "14, false", "18, true", "18, false"})
    void noSessionLockOutlivesItsTransactionAndNoneMovesToAnotherClient(int version, boolean autoCommit)
            throws Exception {
        PostgresServer server = PostgresServer.shared(version);
        RecordingListener.clear();
        try (PgBouncer bouncer = PgBouncer.builder(server).poolMode(PgBouncer.PoolMode.TRANSACTION).poolSize(4)
                .start()) {
            Run run = run(server, bouncer, guardUrl(bouncer), autoCommit, false);
            assertThat(run.inherited()).as("application transactions that got a server connection with a lock")
                    .isZero();
            assertThat(run.hammerInherited()).as("hammer transactions that got a server connection with a lock")
                    .isZero();
            assertThat(run.hammerTransactions()).as("the hammer ran alongside").isGreaterThan(CLIENTS);
            assertThat(run.leftInPgLocks()).as("advisory locks left in pg_locks").isZero();
            assertThat(run.counter()).as("read-modify-write under the shared key: mutual exclusion")
                    .isEqualTo(run.committedIncrements());
            // every transaction left one lock (two for the batch) that the guard released and reported
            int expected = CLIENTS * TRANSACTIONS_PER_CLIENT + CLIENTS * TRANSACTIONS_PER_CLIENT / 6;
            assertThat(RecordingListener.reports()).hasSize(expected)
                    .allSatisfy(r -> assertThat(r.takenIn("applicationTransaction")).isTrue());
            assertThat(occurrences(run.log(), "when its transaction ended")).isEqualTo(expected);
            assertThat(run.log()).doesNotContain("not taken by this client");
        }
        RecordingListener.clear();
    }

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {14, 18})
    void reportModeWarnsOncePerLeakedLockWithItsCallSite(int version) throws Exception {
        PostgresServer server = PostgresServer.shared(version);
        Run run;
        try (PgBouncer bouncer = PgBouncer.builder(server).poolMode(PgBouncer.PoolMode.TRANSACTION).poolSize(4)
                .start()) {
            run = run(server, bouncer, guardUrl(bouncer, "lockwarden.mode=report"), true, true);
            assertThat(run.leftInPgLocks()).as("report mode changes nothing: every lock leaked")
                    .isEqualTo(run.leakingTransactions());
        }
        assertThat(occurrences(run.log(), "left it held (report mode)")).as("one WARN per leaked lock")
                .isEqualTo(run.leakingTransactions());
        assertThat(occurrences(run.log(), "\tat " + TransactionPoolingTest.class.getName() + ".lambda$run$"))
                .as("each with the application's call site").isEqualTo(run.leakingTransactions());
        assertThat(run.log()).doesNotContain("no call site known");
        awaitNoAdvisoryLocks(server);
    }

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {18})
    void withoutTheGuardTheSameCodeLeaksLocksThatMoveToOtherClients(int version) throws Exception {
        PostgresServer server = PostgresServer.shared(version);
        try (Connection c = server.connect("setup"); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS guard_counter (v int NOT NULL)");
            st.execute("INSERT INTO guard_counter VALUES (0)");
        }
        try (PgBouncer bouncer = PgBouncer.builder(server).poolMode(PgBouncer.PoolMode.TRANSACTION).poolSize(4)
                .start()) {
            try (HikariDataSource app = pool(bouncer.jdbcUrl(), "plain", 1, true);
                 Connection c = app.getConnection()) {
                applicationTransaction(c, 3, 0);
            }
            try (HikariDataSource other = pool(bouncer.jdbcUrl(), "other", 4, true)) {
                int sawIt = 0;
                for (int i = 0; i < 20; i++) {
                    try (Connection c = other.getConnection()) {
                        c.setAutoCommit(false);
                        sawIt += count(c, OWN_LOCKS);
                        c.commit();
                    }
                }
                assertThat(sawIt).as("other clients' transactions got the server connection with the lock")
                        .isPositive();
            }
            assertThat(advisoryLocksOnTheServer(server)).isEqualTo(1);
        }
        awaitNoAdvisoryLocks(server);
    }

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {14, 18})
    void aSessionLockInAutocommitIsRefusedInFailFastAndReportedWithItsCallSiteOtherwise(int version)
            throws Exception {
        PostgresServer server = PostgresServer.shared(version);
        try (PgBouncer bouncer = PgBouncer.builder(server).poolMode(PgBouncer.PoolMode.TRANSACTION).poolSize(4)
                .start()) {
            try (HikariDataSource strict = pool(guardUrl(bouncer, "lockwarden.mode=fail-fast"), "strict", 1, true);
                 Connection c = strict.getConnection(); Statement st = c.createStatement()) {
                assertThatThrownBy(() -> st.execute("SELECT pg_advisory_lock(" + SHARED_KEY + ")"))
                        .isInstanceOf(UnsafeLockUsageException.class)
                        .hasMessageContaining("taken in autocommit behind a transaction pooler")
                        .hasMessageContaining("at " + getClass().getName() + ".lambda$")
                        .hasMessageContaining("nothing was locked");
                assertThat(advisoryLocksOnTheServer(server)).isZero();
            }
            PrintStream stderr = System.err;
            ByteArrayOutputStream captured = new ByteArrayOutputStream();
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            try (HikariDataSource lenient = pool(guardUrl(bouncer), "lenient", 1, true);
                 Connection c = lenient.getConnection(); Statement st = c.createStatement();
                 Connection other = bouncer.connect()) {
                st.execute("SELECT pg_advisory_lock(" + SHARED_KEY + ")");
                st.execute("SELECT pg_advisory_lock(" + SHARED_KEY + ")");
                other.setAutoCommit(false);
                try (Statement o = other.createStatement()) {
                    o.execute("SELECT pg_advisory_xact_lock(" + (SHARED_KEY + 1) + ")");
                }
                try (ResultSet rs = st.executeQuery("SELECT pg_try_advisory_lock(" + (SHARED_KEY + 1) + ")")) {
                    rs.next();
                    assertThat(rs.getBoolean(1)).as("held by the other client: a try that locks nothing").isFalse();
                }
                other.commit();
                try (ResultSet rs = st.executeQuery("SELECT pg_try_advisory_lock(" + (SHARED_KEY + 1) + ")")) {
                    rs.next();
                    assertThat(rs.getBoolean(1)).isTrue();
                }
            } finally {
                System.setErr(stderr);
            }
            String log = captured.toString(StandardCharsets.UTF_8);
            stderr.print(log);
            assertThat(occurrences(log, "taken in autocommit behind a transaction pooler (lockwarden.pooler="
                    + "transaction) at " + getClass().getName() + ".aSessionLockInAutocommit"))
                    .as("two locks and the try that locked; not the try that did not").isEqualTo(3);
            assertThat(log).contains("pg_try_advisory_lock(" + (SHARED_KEY + 1) + ") taken in autocommit");
        }
        awaitNoAdvisoryLocks(server);
    }

    /** Waits until the server connections PgBouncer closed have ended (their backends release what they held). */
    private static void awaitNoAdvisoryLocks(PostgresServer server) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (advisoryLocksOnTheServer(server) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(advisoryLocksOnTheServer(server)).isZero();
    }
}
