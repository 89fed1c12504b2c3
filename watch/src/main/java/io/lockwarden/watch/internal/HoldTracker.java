package io.lockwarden.watch.internal;

import io.lockwarden.LockKey;
import io.lockwarden.inspect.AdvisoryLockRow;
import io.lockwarden.inspect.SessionInfo;
import io.lockwarden.inspect.Snapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Remembers, across samples, when each held lock was first seen, keyed by (pid, backend_start, key, mode) so a
 * reused pid is a new holder. It infers the scope: a lock is session-level once its holder was seen
 * {@code idle} while holding it, or once it survived a change of the holder's {@code xact_start}. PostgreSQL
 * records no grant time, so the hold age is the longer of "first seen" and, for an idle holder, {@code now -
 * state_change} (which survives a restart of the watchdog). Not thread-safe: one sampling thread per target.
 *
 * <p>At 100,000 locks this runs at every sample, so holds live in per-session maps that are updated in place
 * (a generation counter marks what was seen; the rest is swept), instead of rebuilding one map of composite keys.
 */
public final class HoldTracker {

    /** The holds of one backend (pid + backend_start). */
    private static final class Backend {
        final Instant backendStart;
        final Map<LockKey, Hold> exclusive = new HashMap<>();
        final Map<LockKey, Hold> shared = new HashMap<>();
        long seen;

        Backend(Instant backendStart) {
            this.backendStart = backendStart;
        }
    }

    /** What the tracker knows of one held lock. */
    private static final class Hold {
        final long firstSeenMillis;
        Instant xactStart;
        boolean sessionScope;
        long seen;

        Hold(long firstSeenMillis, Instant xactStart) {
            this.firstSeenMillis = firstSeenMillis;
            this.xactStart = xactStart;
        }
    }

    /**
     * One held lock as of the latest sample.
     *
     * @param row          the pg_locks row
     * @param session      its holder, or null when pg_stat_activity had no row
     * @param sessionScope true when proven session-level
     * @param holdMillis   how long it has been held, at least, in milliseconds
     */
    public record TrackedHold(AdvisoryLockRow row, SessionInfo session, boolean sessionScope, long holdMillis) {
        /** The hold age as a duration. */
        public Duration hold() {
            return Duration.ofMillis(holdMillis);
        }
    }

    private final Map<Integer, Backend> backends = new HashMap<>();
    private long generation;
    private int size;

    /** Folds in one snapshot and returns every held lock with its scope and age; forgets locks no longer held. */
    public List<TrackedHold> update(Snapshot s) {
        long gen = ++generation;
        long now = s.takenAt().toEpochMilli();
        Map<Integer, SessionInfo> sessions = new HashMap<>();
        Map<Integer, Long> idleSince = new HashMap<>();
        for (SessionInfo si : s.sessions()) {
            sessions.put(si.pid(), si);
            if (si.idle() && si.stateChange() != null) {
                idleSince.put(si.pid(), si.stateChange().toEpochMilli());
            }
        }
        List<TrackedHold> out = new ArrayList<>(s.locks().size());
        int lastPid = Integer.MIN_VALUE;
        Backend backend = null;
        SessionInfo si = null;
        long idleFrom = Long.MAX_VALUE;
        for (AdvisoryLockRow row : s.locks()) {
            if (!row.granted()) {
                continue;
            }
            if (row.pid() != lastPid) {
                lastPid = row.pid();
                si = sessions.get(lastPid);
                Instant started = si == null ? null : si.backendStart();
                backend = backends.get(lastPid);
                if (backend == null || !Objects.equals(backend.backendStart, started)) {
                    backend = new Backend(started); // a new session, perhaps on a reused pid
                    backends.put(lastPid, backend);
                }
                backend.seen = gen;
                idleFrom = idleSince.getOrDefault(lastPid, Long.MAX_VALUE);
            }
            Map<LockKey, Hold> byKey = row.shared() ? backend.shared : backend.exclusive;
            Hold h = byKey.get(row.key());
            Instant xact = si == null ? null : si.xactStart();
            if (h == null) {
                h = new Hold(now, xact);
                byKey.put(row.key(), h);
            } else if (!Objects.equals(h.xactStart, xact)) {
                h.sessionScope = true; // it outlived the transaction it was first seen in
                h.xactStart = xact;
            }
            if (idleFrom != Long.MAX_VALUE) {
                h.sessionScope = true;
            }
            h.seen = gen;
            long age = Math.max(now - h.firstSeenMillis, idleFrom == Long.MAX_VALUE ? 0 : now - idleFrom);
            out.add(new TrackedHold(row, si, h.sessionScope, Math.max(0, age)));
        }
        sweep(gen);
        return out;
    }

    private void sweep(long gen) {
        int count = 0;
        for (Iterator<Backend> it = backends.values().iterator(); it.hasNext();) {
            Backend b = it.next();
            if (b.seen != gen) {
                it.remove();
                continue;
            }
            b.exclusive.values().removeIf(h -> h.seen != gen);
            b.shared.values().removeIf(h -> h.seen != gen);
            count += b.exclusive.size() + b.shared.size();
        }
        size = count;
    }

    /** Number of holds being tracked. */
    public int size() {
        return size;
    }
}
