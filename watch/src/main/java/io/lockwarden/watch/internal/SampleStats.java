package io.lockwarden.watch.internal;

import io.lockwarden.inspect.AdvisoryLockRow;
import io.lockwarden.inspect.Diagnosis;
import io.lockwarden.inspect.Finding;
import io.lockwarden.inspect.PgBouncerServer;
import io.lockwarden.inspect.PgBouncerView;
import io.lockwarden.inspect.SessionInfo;
import io.lockwarden.inspect.Snapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The numbers one sample of one target yields: what the metrics export and the dashboard shows. Built once
 * per sample from the diagnosis and the tracked holds; immutable.
 *
 * @param takenAt          server time of the snapshot
 * @param held             granted advisory lock rows
 * @param waiting          waiting advisory lock rows
 * @param lockGroups       lock rows by (state, mode, scope, namespace)
 * @param sessionsHolding  distinct sessions holding at least one advisory lock
 * @param idleHolders      holders that are {@code idle} or {@code idle in transaction}
 * @param blockedSessions  sessions waiting for an advisory lock (directly or behind another waiter)
 * @param oldestHold       the longest hold, seconds
 * @param oldestIdleHold   the longest hold by an idle holder (how long it has been idle), seconds
 * @param oldestWait       the longest wait (from {@code pg_locks.waitstart}), seconds
 * @param pooledLocks      locks held on PgBouncer server connections shared between clients (transaction or
 *                         statement pooling)
 * @param lockTableRatio   shared lock table entries / capacity, or -1 when the capacity is unknown
 * @param findings         findings counted by (rule, severity)
 * @param holders          one line per holding session, longest hold first
 */
public record SampleStats(Instant takenAt, int held, int waiting, Map<LockGroup, Integer> lockGroups,
                          int sessionsHolding, int idleHolders, int blockedSessions, double oldestHold,
                          double oldestIdleHold, double oldestWait, int pooledLocks, double lockTableRatio,
                          Map<RuleSeverity, Integer> findings, List<Holder> holders) {

    /** A group of lock rows with the same labels. {@code namespace} is {@code ""} for keys of no known namespace. */
    public record LockGroup(String state, String mode, String scope, String namespace) {
    }

    /** A finding rule and severity. */
    public record RuleSeverity(String rule, String severity) {
    }

    /**
     * One holding session.
     *
     * @param pid          backend pid
     * @param user         role, or null when hidden
     * @param application  {@code application_name}, or null
     * @param state        {@code pg_stat_activity.state}, or null when hidden
     * @param locks        number of advisory locks held
     * @param keys         up to 10 key labels
     * @param sessionScope true when at least one of its locks is proven session-level
     * @param holdSeconds  its longest hold
     * @param idleSeconds  how long it has been in its current state when idle, else 0
     * @param waiters      sessions waiting behind it
     */
    public record Holder(int pid, String user, String application, String state, int locks, List<String> keys,
                         boolean sessionScope, long holdSeconds, long idleSeconds, int waiters) {
    }

    /** Computes the numbers. */
    static SampleStats of(Diagnosis d, List<HoldTracker.TrackedHold> tracked) {
        Snapshot s = d.snapshot();
        Instant now = s.takenAt();
        Map<LockGroup, Integer> groups = new HashMap<>();
        Map<Integer, SessionInfo> sessions = new HashMap<>();
        s.sessions().forEach(si -> sessions.put(si.pid(), si));
        Map<Integer, PidTotals> byPid = new LinkedHashMap<>();
        double oldestHold = 0;
        double oldestIdle = 0;
        Set<Integer> shared = new java.util.HashSet<>();
        s.pgBouncer().map(PgBouncerView::servers).orElse(List.of()).stream()
                .filter(PgBouncerServer::sharedBetweenClients).forEach(b -> shared.add(b.remotePid()));
        int pooled = 0;
        // [held/waiting][exclusive/share][session/undetermined] for keys of no known namespace: no per-lock allocation
        int[][][] plain = new int[2][2][2];
        PidTotals current = null;
        for (HoldTracker.TrackedHold h : tracked) {
            AdvisoryLockRow row = h.row();
            if (row.namespace() == null) {
                plain[0][row.shared() ? 1 : 0][h.sessionScope() ? 0 : 1]++;
            } else {
                groups.merge(new LockGroup("held", mode(row), h.sessionScope() ? "session" : "undetermined",
                        row.namespace()), 1, Integer::sum);
            }
            if (current == null || current.pid != row.pid()) {
                current = byPid.computeIfAbsent(row.pid(), PidTotals::new);
            }
            current.add(h);
            oldestHold = Math.max(oldestHold, h.holdMillis() / 1000.0);
            if (!shared.isEmpty() && shared.contains(row.pid())) {
                pooled++;
            }
        }
        double oldestWait = 0;
        int waiting = 0;
        Set<Integer> waiterPids = new java.util.LinkedHashSet<>();
        for (AdvisoryLockRow row : s.locks()) {
            if (row.granted()) {
                continue;
            }
            waiting++;
            waiterPids.add(row.pid());
            if (row.namespace() == null) {
                plain[1][row.shared() ? 1 : 0][1]++;
            } else {
                groups.merge(new LockGroup("waiting", mode(row), "undetermined", row.namespace()), 1, Integer::sum);
            }
            if (row.waitStart() != null) {
                oldestWait = Math.max(oldestWait, Math.max(0, Duration.between(row.waitStart(), now).toMillis()) / 1000.0);
            }
        }
        String[] states = {"held", "waiting"};
        String[] modes = {"exclusive", "share"};
        String[] scopes = {"session", "undetermined"};
        for (int a = 0; a < 2; a++) {
            for (int b = 0; b < 2; b++) {
                for (int c = 0; c < 2; c++) {
                    if (plain[a][b][c] > 0) {
                        groups.merge(new LockGroup(states[a], modes[b], scopes[c], ""), plain[a][b][c], Integer::sum);
                    }
                }
            }
        }
        Map<Integer, Integer> waitersBehind = new HashMap<>();
        for (int pid : waiterPids) {
            SessionInfo si = sessions.get(pid);
            if (si != null) {
                si.blockingPids().forEach(b -> waitersBehind.merge(b, 1, Integer::sum));
            }
        }
        int idleHolders = 0;
        List<Holder> holders = new ArrayList<>();
        for (PidTotals t : byPid.values()) {
            SessionInfo si = sessions.get(t.pid);
            boolean idle = si != null && (si.idle() || si.idleInTransaction());
            long idleSeconds = 0;
            if (idle) {
                idleHolders++;
                Duration d0 = si.inStateFor(now).orElse(Duration.ZERO);
                oldestIdle = Math.max(oldestIdle, d0.toMillis() / 1000.0);
                idleSeconds = d0.toSeconds();
            }
            List<String> keys = t.shown.stream().sorted(Comparator.comparing(AdvisoryLockRow::key))
                    .map(AdvisoryLockRow::label).toList();
            holders.add(new Holder(t.pid, si == null ? null : si.user(), si == null ? null : si.applicationName(),
                    si == null ? null : si.state(), t.count, keys, t.sessionScope, t.maxHoldMillis / 1000, idleSeconds,
                    waitersBehind.getOrDefault(t.pid, 0)));
        }
        holders.sort(Comparator.comparingLong(Holder::holdSeconds).reversed().thenComparingInt(Holder::pid));
        double ratio = s.settings().lockTableCapacity().filter(c -> c > 0)
                .map(c -> (double) s.lockTableEntries() / c).orElse(-1.0);
        Map<RuleSeverity, Integer> findings = new TreeMap<>(Comparator.comparing(RuleSeverity::rule)
                .thenComparing(RuleSeverity::severity));
        for (Finding f : d.findings()) {
            findings.merge(new RuleSeverity(f.rule(), f.severity().name().toLowerCase(java.util.Locale.ROOT)), 1,
                    Integer::sum);
        }
        Map<LockGroup, Integer> sortedGroups = new TreeMap<>(Comparator.comparing(LockGroup::state)
                .thenComparing(LockGroup::mode).thenComparing(LockGroup::scope).thenComparing(LockGroup::namespace));
        sortedGroups.putAll(groups);
        return new SampleStats(now, tracked.size(), waiting, sortedGroups, byPid.size(), idleHolders, waiterPids.size(),
                oldestHold, oldestIdle, oldestWait, pooled, ratio, findings, holders);
    }

    /** What one holding session adds up to, in one pass over its locks. */
    private static final class PidTotals {
        final int pid;
        int count;
        long maxHoldMillis;
        boolean sessionScope;
        final List<AdvisoryLockRow> shown = new ArrayList<>();

        PidTotals(int pid) {
            this.pid = pid;
        }

        void add(HoldTracker.TrackedHold h) {
            count++;
            maxHoldMillis = Math.max(maxHoldMillis, h.holdMillis());
            sessionScope |= h.sessionScope();
            if (shown.size() < 10) {
                shown.add(h.row());
            }
        }
    }

    private static String mode(AdvisoryLockRow r) {
        return r.shared() ? "share" : "exclusive";
    }
}
