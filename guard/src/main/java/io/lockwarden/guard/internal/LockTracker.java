package io.lockwarden.guard.internal;

import io.lockwarden.LockKey;
import io.lockwarden.LockMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The session-level advisory locks one guarded connection took and has not released, as far as its
 * statements show, with re-entrant counts, when each was first taken and where; and whether some statement
 * did something the guard could not follow (then {@code pg_locks} is checked when the connection is
 * returned). Thread-safe.
 */
public final class LockTracker {
    /** A lock as the server counts it: a key in one mode. */
    public record Held(LockKey key, LockMode mode) {
    }

    /** A held lock's count, first acquisition time ({@link System#nanoTime()}) and call site. */
    public record Hold(int count, long sinceNanos, Throwable site) {
    }

    /** What the tracker knew when the connection was returned. */
    public record Drained(Map<Held, Hold> held, Throwable unfollowedSite) {
        boolean empty() {
            return held.isEmpty() && unfollowedSite == null;
        }
    }

    /** A {@code pg_try_*} call whose result has not been read yet. */
    public static final class PendingTry {
        final Held lock;
        final Throwable site;
        boolean resolved;

        PendingTry(Held lock, Throwable site) {
            this.lock = lock;
            this.site = site;
        }
    }

    private final Map<Held, Hold> held = new LinkedHashMap<>();
    private final List<PendingTry> pending = new ArrayList<>();
    private Throwable unfollowedSite;

    /** Whether anything may be held: the check at return can be skipped when false. */
    public synchronized boolean mayHoldLocks() {
        return !held.isEmpty() || unfollowedSite != null || !pending.isEmpty();
    }

    synchronized void locked(Held lock, Throwable site) {
        held.merge(lock, new Hold(1, System.nanoTime(), site),
                (old, one) -> new Hold(old.count() + 1, old.sinceNanos(), old.site()));
    }

    synchronized void unlocked(Held lock) {
        Hold h = held.get(lock);
        if (h == null) {
            return; // not held, or taken where the guard could not see: the server answers false, or pg_locks tells
        }
        if (h.count() <= 1) {
            held.remove(lock);
        } else {
            held.put(lock, new Hold(h.count() - 1, h.sinceNanos(), h.site()));
        }
    }

    synchronized void unlockedAll() {
        held.clear();
        pending.clear();
        unfollowedSite = null;
    }

    synchronized void unfollowed(Throwable site) {
        unfollowedSite = site;
    }

    synchronized PendingTry tried(Held lock, Throwable site) {
        PendingTry p = new PendingTry(lock, site);
        pending.add(p);
        return p;
    }

    synchronized void resolve(PendingTry p, boolean acquired) {
        if (p.resolved || !pending.remove(p)) {
            return;
        }
        p.resolved = true;
        if (acquired) {
            locked(p.lock, p.site);
        }
    }

    /** Empties the tracker (the connection is being returned) and says what it knew. */
    public synchronized Drained drain() {
        Throwable site = unfollowedSite;
        if (site == null && !pending.isEmpty()) {
            site = pending.get(pending.size() - 1).site;
        }
        Drained d = new Drained(java.util.Collections.unmodifiableMap(new LinkedHashMap<>(held)), site);
        held.clear();
        pending.clear();
        unfollowedSite = null;
        return d;
    }
}
