package io.lockwarden;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockwarden.testkit.fixture.PgBouncer;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Session and leader locks through a real PgBouncer in transaction pooling, where the incident
 * happens: several server connections, several clients taking the same key, and "hammer" clients
 * whose short transactions grab every server connection the moment another client's transaction
 * ends. Mutual exclusion is shown by a read-modify-write counter without row locks (a lost update
 * would leave it short), by a count of clients inside the critical section, and by the hammers, which
 * try the key inside their own transactions and must never get it while a worker holds it. Every run
 * ends with no advisory lock in {@code pg_locks}.
 */
class TransactionPoolingTest {
    private static final int POOL_SIZE = 4;
    private static final int WORKERS = 4;
    private static final int HAMMERS = 2;
    private static final int ROUNDS = 15;

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {18, 14})
    void sessionLocksKeepMutualExclusionAndLeaveNothingBehindTransactionPooling(int version) throws Exception {
        PostgresServer server = PostgresServer.shared(version);
        LockKey key = LockKey.named("pooling", "session-" + version);
        // A waiting or held session lock occupies a server connection (its transaction is open): every worker
        // can be pinned at once, and the holder's counter statements and the hammers need two more.
        try (PgBouncer bouncer = PgBouncer.builder(server).poolSize(WORKERS + HAMMERS).start()) {
            DataSource ds = bouncer.dataSource();
            AdvisoryLocks locks = AdvisoryLocks.builder(ds).heartbeat(Duration.ofSeconds(1)).build();
            createCounter(ds, "session_counter");
            Contention c = new Contention(key);
            c.run(ds, () -> {
                for (int i = 0; i < ROUNDS; i++) {
                    try (SessionLock lock = locks.acquire(key, Duration.ofSeconds(20))) {
                        c.critical(ds, "session_counter", lock.pid());
                    }
                }
            });
            assertThat(readCounter(ds, "session_counter")).as("no update was lost").isEqualTo(WORKERS * ROUNDS);
            c.assertExclusive();
            assertThat(PgLocks.awaitNone(server)).as("advisory locks left on the server").isEmpty();
        }
    }

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {18, 14})
    void leaderLocksHandOverWithoutOverlapBehindTransactionPooling(int version) throws Exception {
        PostgresServer server = PostgresServer.shared(version);
        LockKey key = LockKey.named("pooling", "leader-" + version);
        try (PgBouncer bouncer = PgBouncer.builder(server).poolSize(POOL_SIZE).start()) {
            DataSource ds = bouncer.dataSource();
            AdvisoryLocks locks = AdvisoryLocks.builder(ds).heartbeat(Duration.ofSeconds(1)).fencingTokens(true).build();
            createCounter(ds, "leader_counter");
            Contention c = new Contention(key);
            AtomicInteger terms = new AtomicInteger();
            ConcurrentLinkedQueue<Long> tokens = new ConcurrentLinkedQueue<>();
            c.run(ds, () -> {
                int led = 0;
                while (led < 3) {
                    Optional<LeaderLock> maybe = locks.tryHoldLeader(key, lost -> c.violation("leader lost: " + lost));
                    if (maybe.isEmpty()) {
                        Thread.sleep(2);
                        continue;
                    }
                    try (LeaderLock leader = maybe.get()) {
                        tokens.add(leader.fencingToken());
                        terms.incrementAndGet();
                        for (int i = 0; i < 5; i++) {
                            leader.checkHeld();
                            c.critical(ds, "leader_counter", leader.pid());
                        }
                        leader.verifyHeld();
                    }
                    led++;
                }
            });
            assertThat(terms.get()).isEqualTo(WORKERS * 3);
            assertThat(readCounter(ds, "leader_counter")).as("no update was lost").isEqualTo(WORKERS * 3 * 5);
            assertThat(tokens).as("every term got its own fencing token").doesNotHaveDuplicates();
            c.assertExclusive();
            assertThat(PgLocks.awaitNone(server)).as("advisory locks left on the server").isEmpty();
        }
    }

    /** Workers and hammers around one key, and what they saw. */
    private static final class Contention {
        private final LockKey key;
        private final AtomicInteger inside = new AtomicInteger();
        private final AtomicInteger maxInside = new AtomicInteger();
        private volatile int holderPid;
        private final AtomicInteger hammerTransactions = new AtomicInteger();
        private final AtomicInteger hammerLandedOnHolder = new AtomicInteger();
        private final ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();

        Contention(LockKey key) {
            this.key = key;
        }

        void violation(String what) {
            violations.add(what);
        }

        /** The read-modify-write under the lock: two autocommit statements, on whatever server connection. */
        void critical(DataSource ds, String table, int pid) throws SQLException {
            int now = inside.incrementAndGet();
            maxInside.accumulateAndGet(now, Math::max);
            holderPid = pid;
            try {
                int v = readCounter(ds, table);
                Thread.onSpinWait();
                try (Connection c = ds.getConnection();
                     PreparedStatement ps = c.prepareStatement("UPDATE " + table + " SET v = ?")) {
                    ps.setInt(1, v + 1);
                    ps.executeUpdate();
                }
            } finally {
                holderPid = 0;
                inside.decrementAndGet();
            }
        }

        void run(DataSource ds, Work work) throws Exception {
            AtomicBoolean done = new AtomicBoolean();
            ExecutorService pool = Executors.newFixedThreadPool(WORKERS + HAMMERS);
            try {
                List<Future<?>> hammers = new ArrayList<>();
                for (int h = 0; h < HAMMERS; h++) {
                    hammers.add(pool.submit(() -> hammer(ds, done)));
                }
                List<Future<?>> workers = new ArrayList<>();
                for (int w = 0; w < WORKERS; w++) {
                    workers.add(pool.submit(() -> {
                        work.run();
                        return null;
                    }));
                }
                for (Future<?> f : workers) {
                    f.get(120, TimeUnit.SECONDS);
                }
                done.set(true);
                for (Future<?> f : hammers) {
                    f.get(30, TimeUnit.SECONDS);
                }
            } finally {
                done.set(true);
                pool.shutdownNow();
            }
        }

        /**
         * Short transactions as fast as possible, each trying the key on whatever server connection it
         * got: it must never find the key re-entrant on a worker's pinned backend, nor get it while a
         * worker is inside.
         */
        private Void hammer(DataSource ds, AtomicBoolean done) throws SQLException {
            try (Connection c = ds.getConnection()) {
                c.setAutoCommit(false);
                while (!done.get()) {
                    try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_lock("
                            + key.sqlArguments() + "), pg_backend_pid()"); ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        boolean got = rs.getBoolean(1);
                        int pid = rs.getInt(2);
                        if (pid == holderPid && pid != 0) {
                            hammerLandedOnHolder.incrementAndGet();
                        }
                        if (got) {
                            if (inside.get() > 0) {
                                violation("a hammer got the key on pid " + pid + " while a worker was inside");
                            }
                            try (Statement st = c.createStatement()) {
                                st.execute("SELECT pg_advisory_unlock(" + key.sqlArguments() + ")");
                            }
                        }
                    }
                    c.commit();
                    hammerTransactions.incrementAndGet();
                }
            }
            return null;
        }

        void assertExclusive() {
            assertThat(violations).as("mutual exclusion violations").isEmpty();
            assertThat(maxInside.get()).as("clients inside the critical section at once").isEqualTo(1);
            assertThat(hammerLandedOnHolder.get()).as("hammer transactions that landed on a holder's backend")
                    .isZero();
            assertThat(hammerTransactions.get()).as("the hammers kept taking server connections").isGreaterThan(50);
        }
    }

    @FunctionalInterface
    private interface Work {
        void run() throws Exception;
    }

    private static void createCounter(DataSource ds, String table) throws SQLException {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS " + table);
            st.execute("CREATE TABLE " + table + " (v int NOT NULL)");
            st.execute("INSERT INTO " + table + " VALUES (0)");
        }
    }

    private static int readCounter(DataSource ds, String table) throws SQLException {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT v FROM " + table)) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
