package io.lockwarden.postmortem.internal;

import io.lockwarden.LockKey;
import io.lockwarden.inspect.AdvisoryLockRow;
import io.lockwarden.inspect.KeyDecoder;
import io.lockwarden.postmortem.AdvisoryKey;
import io.lockwarden.postmortem.Deadlock;
import io.lockwarden.postmortem.Holder;
import io.lockwarden.postmortem.LockTableFull;
import io.lockwarden.postmortem.Termination;
import io.lockwarden.postmortem.Wait;
import io.lockwarden.postmortem.WaitOutcome;
import io.lockwarden.postmortem.internal.LockEvent.Kind;
import io.lockwarden.postmortem.internal.LockEvent.LockTag;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Replays lock events in time order and reconstructs waits, holders, terminations (with the waiters each one
 * freed), deadlocks and lock table exhaustion. The per-key and summary views are built from its results by
 * {@link ReportAssembler}. Not thread-safe: one per analysis.
 */
public final class IncidentAnalysis {
    private final KeyDecoder decoder;
    private final Map<LockTag, AdvisoryKey> keys = new LinkedHashMap<>();
    private final Map<Long, String> databases = new HashMap<>();
    private final Map<Integer, OpenWait> open = new HashMap<>();
    private final Map<Integer, HolderState> holders = new LinkedHashMap<>();
    private final List<Wait> waits = new ArrayList<>();
    private final List<TerminationState> terminations = new ArrayList<>();
    private int terminationsLogged;
    private final List<Deadlock> deadlocks = new ArrayList<>();
    private final Set<Integer> waiterPids = new java.util.HashSet<>();
    private Instant tableFullFirst;
    private Instant tableFullLast;
    private long tableFullCount;
    private final Set<Integer> tableFullPids = new LinkedHashSet<>();
    private long otherWaits;
    private long otherLockTimeouts;
    private Instant firstEvent;
    private Instant lastEvent;
    private Double shortestLoggedWait;

    /** An analysis naming keys with {@code decoder}. */
    public IncidentAnalysis(KeyDecoder decoder) {
        this.decoder = decoder;
    }

    /** Replays the events (any order: they are sorted by time, then by reading order). */
    public void replay(List<LockEvent> events) {
        events.sort(Comparator.comparing(LockEvent::time, Comparator.nullsFirst(Comparator.naturalOrder()))
                .thenComparingLong(LockEvent::seq));
        for (LockEvent e : events) {
            if (e.tag() != null && e.tag().db() >= 0 && e.database() != null) {
                databases.putIfAbsent(e.tag().db(), e.database());
            }
        }
        for (LockEvent e : events) {
            if (e.time() != null && e.kind() != Kind.OTHER_WAIT && e.kind() != Kind.SESSION_END) {
                if (firstEvent == null) {
                    firstEvent = e.kind() == Kind.WAIT || e.kind() == Kind.ACQUIRED ? start(e) : e.time();
                }
                lastEvent = e.time();
            }
            switch (e.kind()) {
                case WAIT -> onWait(e);
                case ACQUIRED -> onAcquired(e);
                case LOCK_TIMEOUT -> onLockTimeout(e);
                case DEADLOCK -> onDeadlock(e);
                case CANCELED -> end(e, WaitOutcome.CANCELED, null);
                case TERMINATED -> {
                    terminationsLogged++;
                    onSessionEnd(e, e.reason());
                }
                case SESSION_END -> onSessionEnd(e, "disconnection");
                case SERVER_RESTART -> onServerRestart(e);
                case LOCK_TABLE_FULL -> onTableFull(e);
                case OTHER_WAIT -> otherWaits++;
                default -> throw new IllegalStateException(e.kind().name());
            }
        }
        for (OpenWait w : new ArrayList<>(open.values())) {
            waits.add(w.finish(null, WaitOutcome.STILL_WAITING, null, null));
        }
        open.clear();
        waits.sort(Comparator.comparing((Wait w) -> w.start() != null ? w.start() : w.end(),
                Comparator.nullsFirst(Comparator.naturalOrder())));
    }

    private static Instant start(LockEvent e) {
        return e.time() == null || e.afterMs() == null ? e.time()
                : e.time().minusNanos((long) (e.afterMs() * 1_000_000));
    }

    private void onWait(LockEvent e) {
        AdvisoryKey key = key(e.tag(), e.database());
        waiterPids.add(e.pid());
        OpenWait w = open.get(e.pid());
        if (w != null && !w.key.equals(key)) {
            waits.add(w.finish(e.time(), WaitOutcome.UNKNOWN, null, null));
            w = null;
        }
        if (w == null) {
            w = new OpenWait(e, key, start(e));
            open.put(e.pid(), w);
        }
        w.holders.addAll(e.holders());
        w.queue.addAll(e.queue());
        w.lastLogged = e.time();
        noteLoggedWait(e.afterMs());
        for (int h : e.holders()) {
            holders.computeIfAbsent(h, HolderState::new).see(key, e.time());
        }
    }

    private void noteLoggedWait(Double ms) {
        if (ms != null && (shortestLoggedWait == null || ms < shortestLoggedWait)) {
            shortestLoggedWait = ms;
        }
    }

    private void onAcquired(LockEvent e) {
        AdvisoryKey key = key(e.tag(), e.database());
        waiterPids.add(e.pid());
        OpenWait w = open.remove(e.pid());
        if (w != null && !w.key.equals(key)) {
            waits.add(w.finish(e.time(), WaitOutcome.UNKNOWN, null, null));
            w = null;
        }
        if (w == null) {
            w = new OpenWait(e, key, start(e));
            w.holders.addAll(e.holders());
            w.queue.addAll(e.queue());
        }
        noteLoggedWait(e.afterMs());
        String freedBy = freedBy(w, e);
        waits.add(w.finish(e.time(), WaitOutcome.ACQUIRED, e.afterMs(), freedBy));
    }

    private String freedBy(OpenWait w, LockEvent acquired) {
        List<String> terminated = new ArrayList<>();
        for (int h : w.holders) {
            for (TerminationState t : terminations) {
                if (t.pid == h && (w.start == null || t.time == null || !t.time.isBefore(w.start))
                        && (acquired.time() == null || t.time == null || !t.time.isAfter(acquired.time()))) {
                    t.freed.add(acquired.pid());
                    HolderState hs = holders.get(h);
                    if (hs != null) {
                        hs.endFreed = true;
                    }
                    terminated.add((t.reason.equals("disconnection") ? "session end of " : "termination of ") + h
                            + " (" + t.reason + ")");
                }
            }
        }
        if (!terminated.isEmpty()) {
            return String.join(", ", terminated);
        }
        if (w.holders.isEmpty()) {
            return null;
        }
        return w.holders.size() == 1 ? "release by " + w.holders.iterator().next()
                : "release by one of " + joinPids(w.holders);
    }

    private static String joinPids(Set<Integer> pids) {
        StringBuilder sb = new StringBuilder();
        for (int p : pids) {
            sb.append(sb.length() == 0 ? "" : ", ").append(p);
        }
        return sb.toString();
    }

    private void onLockTimeout(LockEvent e) {
        OpenWait w = open.get(e.pid());
        if (w != null) {
            end(e, WaitOutcome.LOCK_TIMEOUT, null);
            return;
        }
        if (e.tag() == null) {
            otherLockTimeouts++;
            return;
        }
        // Timed out before deadlock_timeout: no wait line, only the error and its statement name the key.
        AdvisoryKey key = key(e.tag(), e.database());
        waiterPids.add(e.pid());
        waits.add(new OpenWait(e, key, null).finish(e.time(), WaitOutcome.LOCK_TIMEOUT, null, null));
    }

    private void end(LockEvent e, WaitOutcome outcome, String freedBy) {
        OpenWait w = open.remove(e.pid());
        if (w != null) {
            Double ms = w.start == null || e.time() == null ? null
                    : Duration.between(w.start, e.time()).toNanos() / 1e6;
            waits.add(w.finish(e.time(), outcome, ms, freedBy));
        }
    }

    private void onDeadlock(LockEvent e) {
        OpenWait w = open.get(e.pid());
        List<Deadlock.Edge> edges = new ArrayList<>();
        boolean advisory = w != null;
        for (Deadlock.Edge edge : e.edges()) {
            LockTag tag = LockEvents.edgeTag(edge.lock());
            String label = null;
            if (tag != null) {
                advisory = true;
                label = key(tag, null).label();
            }
            edges.add(new Deadlock.Edge(edge.pid(), edge.mode(), edge.lock(), label, edge.blockedBy()));
        }
        end(e, WaitOutcome.DEADLOCK, null);
        if (advisory) {
            deadlocks.add(new Deadlock(e.time(), e.pid(), e.database(), edges));
        }
    }

    private void onSessionEnd(LockEvent e, String reason) {
        boolean wasWaiting = open.containsKey(e.pid());
        end(e, WaitOutcome.TERMINATED, null);
        HolderState h = holders.get(e.pid());
        if (h != null && h.ended == null) {
            h.ended = e.time();
            h.endedBy = reason;
        }
        if (h != null || wasWaiting) {
            terminations.add(new TerminationState(e.pid(), e.time(), reason, h == null ? List.of() : h.labels(),
                    wasWaiting));
        }
    }

    private void onServerRestart(LockEvent e) {
        for (OpenWait w : new ArrayList<>(open.values())) {
            open.remove(w.pid);
            waits.add(w.finish(e.time(), WaitOutcome.TERMINATED, null, null));
        }
        for (HolderState h : holders.values()) {
            if (h.ended == null) {
                h.ended = e.time();
                h.endedBy = e.reason();
                terminations.add(new TerminationState(h.pid, e.time(), e.reason(), h.labels(), false));
            }
        }
    }

    private void onTableFull(LockEvent e) {
        if (tableFullFirst == null) {
            tableFullFirst = e.time();
        }
        tableFullLast = e.time();
        tableFullCount++;
        if (tableFullPids.size() < 20) {
            tableFullPids.add(e.pid());
        }
    }

    private AdvisoryKey key(LockTag tag, String database) {
        AdvisoryKey k = keys.get(tag);
        if (k != null) {
            return k;
        }
        if (tag.db() < 0) {
            for (Map.Entry<LockTag, AdvisoryKey> known : keys.entrySet()) {
                LockTag t = known.getKey();
                if (t.classid() == tag.classid() && t.objid() == tag.objid() && t.objsubid() == tag.objsubid()) {
                    return known.getValue();
                }
            }
        }
        LockKey raw = decoder.name(LockKey.fromPgLocks(tag.classid(), tag.objid(), tag.objsubid()));
        String ns = decoder.namespaceOf(raw);
        String db = tag.db() >= 0 ? databases.getOrDefault(tag.db(), database) : database;
        String label = new AdvisoryLockRow(0, raw, ns, "ExclusiveLock", false, db).label();
        k = new AdvisoryKey(raw, tag.db(), db, ns, label);
        keys.put(tag, k);
        return k;
    }

    /** Every wait, by start. */
    public List<Wait> waits() {
        return waits;
    }

    /** Every key seen, in order of first appearance. */
    public List<AdvisoryKey> keys() {
        return List.copyOf(keys.values());
    }

    /** Holders, in order of first appearance. */
    public List<Holder> holders() {
        List<Holder> out = new ArrayList<>();
        for (HolderState h : holders.values()) {
            if (h.keys.isEmpty() || h.firstSeen == null && h.lastSeen == null) {
                continue;
            }
            // Only an end that freed a waiter proves the lock was held until then; otherwise the holder may have
            // released it long before its session ended.
            Instant until = h.ended != null && h.endFreed ? h.ended : h.lastSeen;
            Long held = h.firstSeen == null || until == null ? null : Duration.between(h.firstSeen, until).toMillis();
            if (h.ever) {
                out.add(new Holder(h.pid, h.labels(), h.firstSeen, h.lastSeen, h.ended, h.endedBy, held,
                        waiterPids.contains(h.pid), h.endFreed));
            }
        }
        return out;
    }

    /** Every {@code terminating connection} line replayed, whatever the session held. */
    public int terminationsLogged() {
        return terminationsLogged;
    }

    /** Terminations of sessions involved in advisory locks, with the waiters they freed. */
    public List<Termination> terminations() {
        List<Termination> out = new ArrayList<>();
        for (TerminationState t : terminations) {
            out.add(new Termination(t.pid, t.time, t.reason, t.keysHeld, List.copyOf(t.freed), t.wasWaiting));
        }
        return out;
    }

    /** Deadlocks involving an advisory lock. */
    public List<Deadlock> deadlocks() {
        return List.copyOf(deadlocks);
    }

    /** Lock table exhaustion, or null. */
    public LockTableFull lockTableFull() {
        return tableFullCount == 0 ? null
                : new LockTableFull(tableFullFirst, tableFullLast, tableFullCount, List.copyOf(tableFullPids));
    }

    /** Logged waits for locks that are not advisory. */
    public long otherWaits() {
        return otherWaits;
    }

    /** Lock timeouts that were not advisory waits. */
    public long otherLockTimeouts() {
        return otherLockTimeouts;
    }

    /** First lock event (or wait start), or null. */
    public Instant firstEvent() {
        return firstEvent;
    }

    /** Last lock event, or null. */
    public Instant lastEvent() {
        return lastEvent;
    }

    /** The shortest wait logged as "still waiting" or "acquired": about {@code deadlock_timeout}; or null. */
    public Double shortestLoggedWait() {
        return shortestLoggedWait;
    }

    private final class OpenWait {
        final int pid;
        final AdvisoryKey key;
        final String mode;
        final Instant start;
        final Set<Integer> holders = new LinkedHashSet<>();
        final Set<Integer> queue = new LinkedHashSet<>();
        final String user;
        final String database;
        final String application;
        final String statement;
        Instant lastLogged;

        OpenWait(LockEvent e, AdvisoryKey key, Instant start) {
            this.pid = e.pid();
            this.key = key;
            this.mode = e.mode();
            this.start = start;
            this.user = e.user();
            this.database = e.database();
            this.application = e.application();
            this.statement = e.statement();
        }

        Wait finish(Instant end, WaitOutcome outcome, Double waitedMs, String freedBy) {
            Double ms = waitedMs;
            if (ms == null && start != null && end != null) {
                ms = Duration.between(start, end).toNanos() / 1e6;
            }
            if (outcome == WaitOutcome.STILL_WAITING || outcome == WaitOutcome.UNKNOWN) {
                for (int h : holders) {
                    HolderState hs = IncidentAnalysis.this.holders.get(h);
                    if (hs != null && lastEvent != null) {
                        hs.lastSeen = max(hs.lastSeen, outcome == WaitOutcome.STILL_WAITING ? lastEvent : end);
                    }
                }
            } else if (end != null) {
                for (int h : holders) {
                    HolderState hs = IncidentAnalysis.this.holders.get(h);
                    if (hs != null && (hs.ended == null || !hs.ended.isBefore(end))) {
                        hs.lastSeen = max(hs.lastSeen, end);
                    }
                }
            }
            return new Wait(pid, key, mode == null ? "ExclusiveLock" : mode, start, end, ms, outcome, freedBy,
                    List.copyOf(holders), List.copyOf(queue), user, database, application, statement);
        }
    }

    private static Instant max(Instant a, Instant b) {
        return a == null ? b : b == null || a.isAfter(b) ? a : b;
    }

    private static final class HolderState {
        final int pid;
        final Set<AdvisoryKey> keys = new LinkedHashSet<>();
        Instant firstSeen;
        Instant lastSeen;
        Instant ended;
        String endedBy;
        boolean ever;
        boolean endFreed;

        HolderState(int pid) {
            this.pid = pid;
        }

        void see(AdvisoryKey key, Instant time) {
            keys.add(key);
            ever = true;
            if (time != null) {
                firstSeen = firstSeen == null || time.isBefore(firstSeen) ? time : firstSeen;
                lastSeen = max(lastSeen, time);
            }
        }

        List<String> labels() {
            List<String> out = new ArrayList<>();
            for (AdvisoryKey k : keys) {
                out.add(k.label());
            }
            return out;
        }
    }

    private static final class TerminationState {
        final int pid;
        final Instant time;
        final String reason;
        final List<String> keysHeld;
        final boolean wasWaiting;
        final Set<Integer> freed = new LinkedHashSet<>();

        TerminationState(int pid, Instant time, String reason, List<String> keysHeld, boolean wasWaiting) {
            this.pid = pid;
            this.time = time;
            this.reason = reason;
            this.keysHeld = keysHeld;
            this.wasWaiting = wasWaiting;
        }
    }
}
