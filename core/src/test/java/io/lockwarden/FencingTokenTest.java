package io.lockwarden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockwarden.testkit.fixture.PostgresServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class FencingTokenTest {
    private static final PostgresServer SERVER = PostgresServer.shared();

    private static AdvisoryLocks fenced(String table) throws SQLException {
        exec("DROP TABLE IF EXISTS " + table);
        return AdvisoryLocks.builder(SERVER.dataSource()).fencingTable(table).heartbeat(Duration.ofMillis(400)).build();
    }

    @Test
    void aStaleLeadersWriteWithItsOldTokenIsRejectedAfterAnotherLeaderTookOver() throws Exception {
        AdvisoryLocks locks = fenced("fencing_takeover");
        LockKey key = LockKey.named("fencing-test", "takeover");
        exec("DROP TABLE IF EXISTS fenced_ledger");
        exec("CREATE TABLE fenced_ledger (id int PRIMARY KEY, balance int NOT NULL, fence_token bigint NOT NULL)");
        exec("INSERT INTO fenced_ledger VALUES (1, 0, 0)");
        CompletableFuture<LockLostException> lost = new CompletableFuture<>();
        LeaderLock stale = locks.holdLeader(key, Duration.ofSeconds(5), lost::complete);
        long staleToken = stale.fencingToken();
        assertThat(guardedWrite(10, staleToken)).as("the first holder's write goes through").isEqualTo(1);

        PgLocks.terminate(SERVER, stale.pid());
        LeaderLock next = awaitLeader(locks, key);
        assertThat(next.fencingToken()).isGreaterThan(staleToken);
        assertThat(PgLocks.granted(SERVER, key)).extracting(PgLocks.Row::pid).containsExactly(next.pid());
        assertThat(guardedWrite(20, next.fencingToken())).isEqualTo(1);

        assertThat(guardedWrite(99, staleToken)).as("the stale holder's write is refused").isZero();
        assertThat(balance()).isEqualTo(20);
        lost.get(30, TimeUnit.SECONDS);
        stale.close();
        next.close();
        assertThat(PgLocks.awaitNone(SERVER)).isEmpty();
    }

    @Test
    void aWriteCheckedAgainstTheFencingTableIsRejectedAsSoonAsANewerHolderAcquired() throws Exception {
        AdvisoryLocks locks = fenced("fencing_current");
        LockKey key = LockKey.named("fencing-test", "current");
        long first;
        try (SessionLock lock = locks.acquire(key, Duration.ofSeconds(5))) {
            first = lock.fencingToken();
            assertThat(currentTokenMatches("fencing_current", key, first)).isTrue();
        }
        try (SessionLock lock = locks.acquire(key, Duration.ofSeconds(5))) {
            assertThat(lock.fencingToken()).isEqualTo(first + 1);
            assertThat(currentTokenMatches("fencing_current", key, first)).as("old token, no write yet by the new "
                    + "holder").isFalse();
            assertThat(currentTokenMatches("fencing_current", key, lock.fencingToken())).isTrue();
        }
    }

    @Test
    void aBusyTryIssuesNoTokenAndTheTableIsCreatedOnFirstUse() throws Exception {
        AdvisoryLocks locks = fenced("fencing_busy");
        LockKey key = LockKey.named("fencing-test", "busy");
        try (SessionLock holder = locks.tryAcquire(key).orElseThrow()) {
            assertThat(holder.fencingToken()).isEqualTo(1);
            assertThat(holder.toString()).contains("fencing token 1");
            Optional<SessionLock> busy = locks.tryAcquire(key);
            assertThat(busy).isEmpty();
            assertThat(locks.tryHoldLeader(key, lost -> { })).isEmpty();
            assertThat(PgLocks.granted(SERVER, key)).extracting(PgLocks.Row::pid).containsExactly(holder.pid());
        }
        try (LeaderLock leader = locks.tryHoldLeader(key, lost -> { }).orElseThrow()) {
            assertThat(leader.fencingToken()).as("the busy tries issued nothing").isEqualTo(2);
        }
        assertThat(PgLocks.awaitNone(SERVER)).isEmpty();
    }

    @Test
    void aLockTimeoutOnAFencedLockLeavesNothingHeldAndIssuesNoToken() throws Exception {
        AdvisoryLocks locks = fenced("fencing_timeout");
        LockKey key = LockKey.named("fencing-test", "timeout");
        try (Connection holder = PgLocks.holdRaw(SERVER, key)) {
            assertThatThrownBy(() -> locks.acquire(key, Duration.ofMillis(100)))
                    .isInstanceOf(LockTimeoutException.class);
            assertThat(PgLocks.granted(SERVER, key)).extracting(PgLocks.Row::pid).containsExactly(PgLocks.pid(holder));
        }
        try (SessionLock lock = locks.acquire(key, Duration.ofSeconds(5))) {
            assertThat(lock.fencingToken()).isEqualTo(1);
        }
        assertThat(PgLocks.awaitNone(SERVER)).isEmpty();
    }

    @Test
    void withoutFencingOrOnTheCallersConnectionThereIsNoTokenAndTheMessageSaysHowToGetOne() throws Exception {
        AdvisoryLocks plain = AdvisoryLocks.using(SERVER.dataSource());
        assertThat(plain.fencingTable()).isEmpty();
        try (SessionLock lock = plain.acquire(LockKey.named("fencing-test", "off"))) {
            assertThatThrownBy(lock::fencingToken).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("fencing-test/off").hasMessageContaining("fencingTokens(true)");
        }
        AdvisoryLocks locks = fenced("fencing_own");
        assertThat(locks.fencingTable()).contains("fencing_own");
        try (Connection own = SERVER.connect(); SessionLock lock = locks.acquireOn(own, LockKey.named("fencing-test",
                "own"), Duration.ofSeconds(5))) {
            assertThatThrownBy(lock::fencingToken).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("acquireOn");
        }
        assertThatThrownBy(() -> AdvisoryLocks.builder(SERVER.dataSource()).fencingTable("x; DROP TABLE y"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("schema.table");
        assertThat(AdvisoryLocks.fencingTableSql("app.fencing")).startsWith("CREATE TABLE IF NOT EXISTS app.fencing (");
    }

    private static LeaderLock awaitLeader(AdvisoryLocks locks, LockKey key) throws InterruptedException {
        for (int i = 0; i < 3000; i++) {
            Optional<LeaderLock> leader = locks.tryHoldLeader(key, lost -> { });
            if (leader.isPresent()) {
                return leader.get();
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no new leader for " + key + " within 30 s");
    }

    /** The documented protected write: refused once a newer token has written. */
    private static int guardedWrite(int balance, long token) throws SQLException {
        try (Connection c = SERVER.connect(); PreparedStatement ps = c.prepareStatement(
                "UPDATE fenced_ledger SET balance = ?, fence_token = ? WHERE id = 1 AND fence_token <= ?")) {
            ps.setInt(1, balance);
            ps.setLong(2, token);
            ps.setLong(3, token);
            return ps.executeUpdate();
        }
    }

    private static boolean currentTokenMatches(String table, LockKey key, long token) throws SQLException {
        try (Connection c = SERVER.connect(); PreparedStatement ps = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM "
                + table + " WHERE classid = ? AND objid = ? AND objsubid = ? AND token = ?)")) {
            ps.setLong(1, key.classid());
            ps.setLong(2, key.objid());
            ps.setInt(3, key.objsubid());
            ps.setLong(4, token);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private static int balance() throws SQLException {
        try (Connection c = SERVER.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT balance FROM fenced_ledger WHERE id = 1")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static void exec(String sql) throws SQLException {
        try (Connection c = SERVER.connect(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
