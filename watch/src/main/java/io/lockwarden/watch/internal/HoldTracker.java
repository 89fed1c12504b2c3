package io.lockwarden.watch.internal;

import io.lockwarden.LockKey;
import io.lockwarden.inspect.AdvisoryLockRow;
import io.lockwarden.inspect.SessionInfo;
import io.lockwarden.inspect.Snapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Remembers, across samples, when each held lock was first seen, keyed by (pid, backend_start, key, mode) so a
 * reused pid is a new holder. It infers the scope: a lock is session-level once its holder was seen
 * {@code idle} while holding it, or once it survived a change of the holder's {@code xact_start}. PostgreSQL
 * records no grant time, so the hold age is the longer of "first seen" and, for an idle holder, {@code now -
 * state_change} (which survives a restart of the watchdog). Not thread-safe: one sampling thread per target.
 */
public final class HoldTracker {

    /** Identity of one held lock. */
    record HoldKey(int pid, Instant backendStart, LockKey key, String mode) {
    }

    /** What the tracker knows of one held lock. */
    static final class Hold {
        final Instant firstSeen;
        Instant xactStart;
        boolean sessionScope;

        Hold(Instant firstSeen, Instant xactStart) {
            this.firstSeen = firstSeen;
            this.xactStart = xactStart;
        }
    }

    /**
     * One held lock as of the latest sample.
     *
     * @param row          the pg_locks row
     * @param session      its holder, or null when pg_stat_activity had no row
     * @param sessionScope true when proven session-level
     * @param hold         how long it has been held, at least
     */
    public record TrackedHold(AdvisoryLockRow row, SessionInfo session, boolean sessionScope, Duration hold) {
    }

    private Map<HoldKey, Hold> holds = new HashMap<>();

    /** Folds in one snapshot and returns every held lock with its scope and age; forgets locks no longer held. */
    public List<TrackedHold> update(Snapshot s) {
        Instant now = s.takenAt();
        Map<Integer, SessionInfo> sessions = new HashMap<>();
        for (SessionInfo si : s.sessions()) {
            sessions.put(si.pid(), si);
        }
        Map<HoldKey, Hold> next = new HashMap<>(holds.size() * 2 + 16);
        List<TrackedHold> out = new java.util.ArrayList<>();
        for (AdvisoryLockRow row : s.locks()) {
            if (!row.granted()) {
                continue;
            }
            SessionInfo si = sessions.get(row.pid());
            Instant backendStart = si == null ? null : si.backendStart();
            HoldKey k = new HoldKey(row.pid(), backendStart, row.key(), row.mode());
            Hold h = holds.get(k);
            Instant xact = si == null ? null : si.xactStart();
            if (h == null) {
                h = next.get(k);
            }
            if (h == null) {
                h = new Hold(now, xact);
            } else if (!Objects.equals(h.xactStart, xact)) {
                h.sessionScope = true; // it outlived the transaction it was first seen in
                h.xactStart = xact;
            }
            if (si != null && si.idle()) {
                h.sessionScope = true;
            }
            next.put(k, h);
            Duration age = Duration.between(h.firstSeen, now);
            if (si != null && si.idle()) {
                Duration idle = si.inStateFor(now).orElse(Duration.ZERO);
                if (idle.compareTo(age) > 0) {
                    age = idle;
                }
            }
            out.add(new TrackedHold(row, si, h.sessionScope, age.isNegative() ? Duration.ZERO : age));
        }
        holds = next;
        return out;
    }

    /** Number of holds being tracked. */
    public int size() {
        return holds.size();
    }
}
