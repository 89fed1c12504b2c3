package io.lockwarden.guard.internal;

import io.lockwarden.LockKey;
import io.lockwarden.LockMode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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

    /**
     * What the tracker knew when the connection was returned (or its transaction ended).
     *
     * @param held       the session locks followed, with counts and call sites
     * @param unfollowed where the last statement the guard could not follow ran, or null
     * @param tried      try-locks whose result was never read, with where each ran
     * @param xact       transaction-level locks followed (used only to tell them from session locks)
     */
    public record Drained(Map<Held, Hold> held, Throwable unfollowed, Map<Held, Throwable> tried, Set<Held> xact) {
        boolean empty() {
            return held.isEmpty() && unfollowed == null && tried.isEmpty();
        }

        /** Where what {@code pg_locks} shows but no followed call explains may have been taken, or null. */
        Throwable unfollowedSite() {
            if (unfollowed != null || tried.isEmpty()) {
                return unfollowed;
            }
            Throwable last = null;
            for (Throwable t : tried.values()) {
                last = t;
            }
            return last;
        }
    }

    /** A {@code pg_try_*} call whose result has not been read yet. */
    public static final class PendingTry {
        final Held lock;
        final Throwable site;
        /** Set for a try-lock in autocommit behind a transaction pooler: logged once the result says it locked. */
        final Runnable whenAcquiredInAutocommit;
        boolean resolved;

        PendingTry(Held lock, Throwable site, Runnable whenAcquiredInAutocommit) {
            this.lock = lock;
            this.site = site;
            this.whenAcquiredInAutocommit = whenAcquiredInAutocommit;
        }
    }

    private final Map<Held, Hold> held = new LinkedHashMap<>();
    private final List<PendingTry> pending = new ArrayList<>();
    /** Transaction locks remembered per transaction at most (more only cost a question to the server each). */
    private static final int MAX_XACT = 1024;
    private final Set<Held> xact = new LinkedHashSet<>();
    private Throwable unfollowedSite;

    /** Whether anything may be held: the check at return can be skipped when false. */
    public synchronized boolean mayHoldLocks() {
        return !held.isEmpty() || unfollowedSite != null || !pending.isEmpty();
    }

    synchronized void locked(Held lock, Throwable site) {
        held.merge(lock, new Hold(1, System.nanoTime(), site),
                (old, one) -> new Hold(old.count() + 1, old.sinceNanos(), old.site()));
    }

    synchronized void xactLocked(Held lock) {
        if (xact.size() < MAX_XACT) {
            xact.add(lock);
        }
    }

    /** A transaction ended with nothing to settle: forgets its transaction-level locks. */
    public void transactionEnded() {
        if (!xact.isEmpty()) { // unsynchronized peek: the connection's own thread added them
            synchronized (this) {
                xact.clear();
            }
        }
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
        PendingTry p = new PendingTry(lock, site, null);
        pending.add(p);
        return p;
    }

    /**
     * A try-lock in autocommit behind a transaction pooler: not followed (its transaction is over), only
     * {@code whenAcquired} runs if the result read says it got the lock.
     */
    PendingTry triedInAutocommit(Held lock, Runnable whenAcquired) {
        return new PendingTry(lock, null, whenAcquired);
    }

    synchronized void resolve(PendingTry p, boolean acquired) {
        if (p.whenAcquiredInAutocommit != null) {
            if (!p.resolved && acquired) {
                p.whenAcquiredInAutocommit.run();
            }
            p.resolved = true;
            return;
        }
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
        Map<Held, Throwable> tried = new LinkedHashMap<>();
        for (PendingTry p : pending) {
            tried.put(p.lock, p.site);
        }
        Drained d = new Drained(Collections.unmodifiableMap(new LinkedHashMap<>(held)), unfollowedSite,
                Collections.unmodifiableMap(tried), Set.copyOf(xact));
        held.clear();
        pending.clear();
        xact.clear();
        unfollowedSite = null;
        return d;
    }
}
