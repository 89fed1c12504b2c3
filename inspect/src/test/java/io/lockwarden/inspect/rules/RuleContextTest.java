package io.lockwarden.inspect.rules;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockwarden.LockKey;
import io.lockwarden.inspect.AdvisoryLockRow;
import io.lockwarden.inspect.ServerSettings;
import io.lockwarden.inspect.SessionInfo;
import io.lockwarden.inspect.Snapshot;
import io.lockwarden.inspect.Visibility;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Blocking-graph shapes that are hard to produce on a live server on demand (a diamond, and a cycle the
 * deadlock detector has not broken yet), checked on hand-built snapshots. Live chains are in InspectorTest.
 */
class RuleContextTest {

    private static SessionInfo session(int pid, Integer... blockers) {
        return new SessionInfo(pid, "u", "db", "app", null, Instant.EPOCH, null, Instant.EPOCH, Instant.EPOCH,
                blockers.length == 0 ? "idle" : "active", blockers.length == 0 ? null : "Lock",
                blockers.length == 0 ? null : "advisory", null, "q", "client backend", List.of(blockers), true);
    }

    private static RuleContext context(SessionInfo... sessions) {
        List<AdvisoryLockRow> locks = new ArrayList<>();
        for (SessionInfo s : sessions) {
            locks.add(new AdvisoryLockRow(s.pid(), LockKey.of(s.pid()), null, "ExclusiveLock",
                    s.blockingPids().isEmpty(), "db"));
        }
        Snapshot snap = new Snapshot(Instant.EPOCH, "18", 180000, new ServerSettings(Map.of()),
                new Visibility("u", 1, true, true), locks, List.of(sessions), 0, Optional.empty(), Optional.empty());
        return new RuleContext(snap, RuleOptions.defaults());
    }

    @Test
    void diamondLeadsToTheOneRealRoot() {
        // 10 waits on 20 and 30; both wait on 40; 40 waits on 50, which waits on nobody
        RuleContext ctx = context(session(10, 20, 30), session(20, 40), session(30, 40), session(40, 50), session(50));
        assertThat(ctx.rootBlockers(10)).containsExactly(50);
        assertThat(ctx.allWaitersBehind(50)).containsExactly(40, 20, 30, 10);
        assertThat(ctx.waitersByRootBlocker()).containsOnlyKeys(50);
    }

    @Test
    void unbrokenCycleMakesItsMembersTheRoots() {
        RuleContext ctx = context(session(1, 2), session(2, 3), session(3, 1), session(9, 1));
        assertThat(ctx.rootBlockers(9)).containsExactlyInAnyOrder(1, 2, 3);
        assertThat(ctx.rootBlockers(1)).containsExactlyInAnyOrder(2, 3);
    }
}
