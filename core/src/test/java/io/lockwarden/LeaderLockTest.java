package io.lockwarden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockwarden.testkit.fixture.FreezableRelay;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.time.Duration;
import org.postgresql.ds.PGSimpleDataSource;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LeaderLockTest {
    private static final PostgresServer SERVER = PostgresServer.shared();
    private final RecordingListener listener = new RecordingListener();
    private final AdvisoryLocks locks = AdvisoryLocks.builder(SERVER.dataSource()).listener(listener)
            .heartbeat(Duration.ofMillis(500)).build();

    @Test
    void oneLeaderAtATimeAndCloseHandsLeadershipOver() throws Exception {
        LockKey key = LockKey.named("leader-test", "handover");
        // The default heartbeat (5 s): a loaded test machine must not make this leader look lost.
        AdvisoryLocks locks = AdvisoryLocks.using(SERVER.dataSource());
        try (LeaderLock leader = locks.holdLeader(key, Duration.ofSeconds(5), lost -> { })) {
            assertThat(leader.isHeld()).isTrue();
            leader.checkHeld();
            leader.verifyHeld();
            assertThat(locks.tryHoldLeader(key, lost -> { })).isEmpty();
            assertThat(PgLocks.granted(SERVER, key)).extracting(PgLocks.Row::pid).containsExactly(leader.pid());
        }
        try (LeaderLock next = locks.tryHoldLeader(key, lost -> { }).orElseThrow()) {
            assertThat(next.isHeld()).isTrue();
        }
        assertThat(PgLocks.awaitNone(SERVER)).isEmpty();
    }

    @Test
    void aLeaderHandleGarbageCollectedWhileHeldIsReportedReleasedAndItsHeartbeatStopped() throws Exception {
        LockKey key = LockKey.named("leader-test", "forgotten");
        int pid = leadAndForget(key);
        assertThat(PgLocks.granted(SERVER, key)).extracting(PgLocks.Row::pid).containsExactly(pid);
        for (int i = 0; i < 1500 && listener.of("abandoned").isEmpty(); i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertThat(listener.of("abandoned")).singleElement().satisfies(e -> {
            assertThat(e.event().scope()).isEqualTo(LockScope.LEADER);
            assertThat(e.event().pid()).isEqualTo(pid);
        });
        assertThat(PgLocks.awaitNone(SERVER)).isEmpty();
        assertThat(listener.of("lost")).as("a released lock is not reported lost by a stale heartbeat").isEmpty();
    }

    private int leadAndForget(LockKey key) {
        return locks.holdLeader(key, Duration.ofSeconds(5), lost -> { }).pid();
    }

    @Test
    void terminatingTheBackendFiresTheCallbackAndCheckHeldThrows() throws Exception {
        LockKey key = LockKey.named("leader-test", "terminated");
        CompletableFuture<LockLostException> lost = new CompletableFuture<>();
        try (LeaderLock leader = locks.holdLeader(key, Duration.ofSeconds(5), lost::complete)) {
            PgLocks.terminate(SERVER, leader.pid());
            LockLostException e = lost.get(30, TimeUnit.SECONDS);
            assertThat(e.key()).contains(key);
            assertThat(e.pid()).isEqualTo(leader.pid());
            assertThat(e.getMessage()).contains("leader-test/terminated").contains("Next:");
            assertThat(leader.isHeld()).isFalse();
            assertThatThrownBy(leader::checkHeld).isInstanceOf(LockLostException.class).hasCause(e);
            assertThat(listener.of("lost")).hasSize(1);
        }
        assertThat(PgLocks.awaitNone(SERVER)).isEmpty();
    }

    @Test
    void aDroppedNetworkFiresTheCallbackAndTheLockIsGoneOnceTheDeadConnectionEnds() throws Exception {
        LockKey key = LockKey.named("leader-test", "network");
        try (FreezableRelay relay = new FreezableRelay(SERVER.port())) {
            PGSimpleDataSource viaRelay = new PGSimpleDataSource();
            viaRelay.setUrl("jdbc:postgresql://127.0.0.1:" + relay.port() + "/postgres");
            viaRelay.setUser(PostgresServer.SUPERUSER);
            viaRelay.setPassword(SERVER.password());
            AdvisoryLocks relayed = AdvisoryLocks.builder(viaRelay).heartbeat(Duration.ofMillis(400)).build();
            CompletableFuture<LockLostException> lost = new CompletableFuture<>();
            try (LeaderLock leader = relayed.holdLeader(key, Duration.ofSeconds(5), lost::complete)) {
                assertThat(PgLocks.granted(SERVER, key)).extracting(PgLocks.Row::pid).containsExactly(leader.pid());
                relay.freeze();
                LockLostException e = lost.get(30, TimeUnit.SECONDS);
                assertThat(e.getMessage()).contains("leader-test/network").contains("can no longer be proven held");
                assertThatThrownBy(leader::checkHeld).isInstanceOf(LockLostException.class);
            }
        }
        assertThat(PgLocks.awaitNone(SERVER)).isEmpty();
    }

    @Test
    void aServerRestartWhileLeadingFiresTheCallbackAndLeavesNoLock() throws Exception {
        LockKey key = LockKey.named("leader-test", "restart");
        try (PostgresServer own = PostgresServer.builder().start()) {
            AdvisoryLocks ownLocks = AdvisoryLocks.builder(own.dataSource()).heartbeat(Duration.ofMillis(200)).build();
            CompletableFuture<LockLostException> lost = new CompletableFuture<>();
            LeaderLock leader = ownLocks.holdLeader(key, Duration.ofSeconds(5), lost::complete);
            assertThat(PgLocks.granted(own, key)).hasSize(1);
            own.restart();
            assertThat(lost.get(30, TimeUnit.SECONDS).getMessage()).contains("leader-test/restart");
            assertThatThrownBy(leader::checkHeld).isInstanceOf(LockLostException.class);
            leader.close();
            assertThat(PgLocks.advisory(own)).isEmpty();
            try (LeaderLock again = ownLocks.holdLeader(key, Duration.ofSeconds(5), l -> { })) {
                assertThat(again.isHeld()).isTrue();
            }
            assertThat(PgLocks.awaitNone(own)).isEmpty();
        }
    }
}
