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
        Map<Integer, List<HoldTracker.TrackedHold>> byPid = new LinkedHashMap<>();
        double oldestHold = 0;
        double oldestIdle = 0;
        Set<Integer> shared = new java.util.HashSet<>();
        s.pgBouncer().map(PgBouncerView::servers).orElse(List.of()).stream()
                .filter(PgBouncerServer::sharedBetweenClients).forEach(b -> shared.add(b.remotePid()));
        int pooled = 0;
        int lastPid = Integer.MIN_VALUE;
        List<HoldTracker.TrackedHold> current = null;
        for (HoldTracker.TrackedHold h : tracked) {
            String scope = h.sessionScope() ? "session" : "undetermined";
            groups.merge(new LockGroup("held", mode(h.row()), scope, ns(h.row())), 1, Integer::sum);
            if (h.row().pid() != lastPid) {
                lastPid = h.row().pid();
                current = byPid.computeIfAbsent(lastPid, p -> new ArrayList<>());
            }
            current.add(h);
            oldestHold = Math.max(oldestHold, h.holdMillis() / 1000.0);
            if (!shared.isEmpty() && shared.contains(h.row().pid())) {
                pooled++;
            }
        }
        double oldestWait = 0;
        int waiting = 0;
        Map<Integer, Integer> waitersBehind = new HashMap<>();
        for (AdvisoryLockRow row : s.locks()) {
            if (row.granted()) {
                continue;
            }
            waiting++;
            groups.merge(new LockGroup("waiting", mode(row), "undetermined", ns(row)), 1, Integer::sum);
            if (row.waitStart() != null) {
                oldestWait = Math.max(oldestWait, Math.max(0, Duration.between(row.waitStart(), now).toMillis()) / 1000.0);
            }
        }
        for (int pid : s.waiterPids()) {
            SessionInfo si = sessions.get(pid);
            if (si != null) {
                si.blockingPids().forEach(b -> waitersBehind.merge(b, 1, Integer::sum));
            }
        }
        int idleHolders = 0;
        List<Holder> holders = new ArrayList<>();
        for (Map.Entry<Integer, List<HoldTracker.TrackedHold>> e : byPid.entrySet()) {
            SessionInfo si = sessions.get(e.getKey());
            boolean idle = si != null && (si.idle() || si.idleInTransaction());
            if (idle) {
                idleHolders++;
                oldestIdle = Math.max(oldestIdle, si.inStateFor(now).orElse(Duration.ZERO).toMillis() / 1000.0);
            }
            long hold = e.getValue().stream().mapToLong(HoldTracker.TrackedHold::holdMillis).max().orElse(0) / 1000;
            List<String> keys = e.getValue().stream().map(HoldTracker.TrackedHold::row).sorted(
                    Comparator.comparing(AdvisoryLockRow::key)).limit(10).map(AdvisoryLockRow::label).toList();
            holders.add(new Holder(e.getKey(), si == null ? null : si.user(), si == null ? null : si.applicationName(),
                    si == null ? null : si.state(), e.getValue().size(), keys,
                    e.getValue().stream().anyMatch(HoldTracker.TrackedHold::sessionScope), hold,
                    idle ? si.inStateFor(now).orElse(Duration.ZERO).toSeconds() : 0,
                    waitersBehind.getOrDefault(e.getKey(), 0)));
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
        return new SampleStats(now, tracked.size(), waiting, sortedGroups, byPid.size(), idleHolders, s.waiterPids().size(),
                oldestHold, oldestIdle, oldestWait, pooled, ratio, findings, holders);
    }

    private static String mode(AdvisoryLockRow r) {
        return r.shared() ? "share" : "exclusive";
    }

    private static String ns(AdvisoryLockRow r) {
        return r.namespace() == null ? "" : r.namespace();
    }
}
