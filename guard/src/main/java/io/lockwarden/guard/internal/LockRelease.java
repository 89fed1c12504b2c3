package io.lockwarden.guard.internal;

import io.lockwarden.LockEvent;
import io.lockwarden.LockKey;
import io.lockwarden.LockMode;
import io.lockwarden.LockScope;
import io.lockwarden.guard.GuardMode;
import io.lockwarden.guard.LockGuard;
import io.lockwarden.guard.ReturnCheck;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The check at return: asks {@code pg_locks} what the backend still holds, releases the session-level locks
 * with {@code pg_advisory_unlock_all()} (which leaves transaction-level locks to their transaction), and
 * reports each one with what the tracker knew of it. Runs under a bounded network timeout, so a broken
 * backend costs at most that long and never hangs the pool. Stateless; the connection is used by one thread.
 */
final class LockRelease {
    private static final Logger LOG = LoggerFactory.getLogger(LockGuard.class);
    static final String HELD = "SELECT p.pid, l.classid, l.objid, l.objsubid, l.mode "
            + "FROM (SELECT pg_backend_pid() AS pid) p LEFT JOIN pg_locks l "
            + "ON l.pid = p.pid AND l.locktype = 'advisory' AND l.granted";

    /** A session lock found held at return. */
    record Leak(LockTracker.Held lock, LockTracker.Hold hold, int pid, Throwable site) {
    }

    /** The backend's pid and the advisory locks it holds, as read from {@code pg_locks}. */
    record Rows(int pid, Set<LockTracker.Held> held) {
    }

    private LockRelease() {
    }

    /**
     * Checks and (unless in report mode) releases what the connection holds.
     *
     * @param raw     the unguarded connection
     * @param known   what the tracker knew
     * @param why     how the connection is going away, for the report ("was returned to the pool")
     * @param reportedBefore in report mode, the locks this connection was already reported holding and left
     *                holding: not reported again unless a statement of this borrow took them again (updated)
     * @return the session locks that were held (released unless in report mode)
     */
    static List<Leak> atReturn(Connection raw, LockTracker.Drained known, GuardSettings settings, String why,
                               Set<LockTracker.Held> reportedBefore) {
        if (known.empty() && settings.check() != ReturnCheck.ALWAYS) {
            return List.of();
        }
        Integer previousTimeout = null;
        Connection autoCommitOff = null;
        try {
            if (raw.isClosed()) {
                return List.of();
            }
            autoCommitOff = autoCommitForTheCheck(raw);
            previousTimeout = raw.getNetworkTimeout();
            raw.setNetworkTimeout(Runnable::run, (int) Math.min(Integer.MAX_VALUE, settings.releaseTimeout().toMillis()));
            Rows before = held(raw);
            hintAtATransactionPooler(known, before, settings);
            if (before.held().isEmpty()) {
                return List.of();
            }
            Set<LockTracker.Held> session = new LinkedHashSet<>(before.held());
            if (settings.mode() != GuardMode.REPORT) {
                try (Statement st = raw.createStatement()) {
                    st.execute("SELECT pg_advisory_unlock_all()");
                }
                session.removeAll(held(raw).held());
            }
            List<Leak> leaks = new ArrayList<>();
            if (settings.mode() == GuardMode.REPORT) {
                reportedBefore.retainAll(session); // what the application released since is no longer left
            }
            for (LockTracker.Held lock : session) {
                LockTracker.Hold hold = known.held().get(lock);
                if (settings.mode() == GuardMode.REPORT && hold == null && !known.tried().containsKey(lock)
                        && !reportedBefore.add(lock)) {
                    continue; // reported at an earlier return and left held: one WARN per leaked lock
                }
                if (settings.mode() == GuardMode.REPORT) {
                    reportedBefore.add(lock);
                }
                Throwable site = hold != null ? hold.site() : known.tried().containsKey(lock) ? known.tried().get(lock)
                        : known.unfollowedSite() != null ? known.unfollowedSite()
                        : new Throwable("no call site known: taken where the guard could not see it, such as "
                        + "inside a server function");
                Leak leak = new Leak(lock, hold, before.pid(), site);
                report(leak, settings, "when its connection (backend pid " + before.pid() + ") " + why,
                        "Lockwarden released it");
                leaks.add(leak);
            }
            return leaks;
        } catch (SQLException e) {
            LOG.warn("could not check the advisory locks of a connection that {}: {} (SQLSTATE {}); the connection is "
                    + "broken and the pool will drop it, and the server releases a session's locks when its backend ends", why, e.getMessage(), e.getSQLState());
            return List.of();
        } finally {
            restore(raw, previousTimeout);
            restoreAutoCommit(autoCommitOff);
        }
    }

    /**
     * A lock the guard saw taken, with no statement since that it could not follow, that the backend answering
     * the check does not hold: the check runs on another server connection than the lock, which is what a
     * transaction pooler does (or a statement such as {@code DISCARD ALL} released it). Said once per guard.
     */
    private static void hintAtATransactionPooler(LockTracker.Drained known, Rows answering, GuardSettings settings) {
        if (settings.transactionPooler() || known.unfollowed() != null || known.held().isEmpty()
                || answering.held().containsAll(known.held().keySet())) {
            return;
        }
        if (settings.poolerHinted().compareAndSet(false, true)) {
            LOG.warn("session advisory lock {} was taken on this connection and never unlocked, yet backend pid {}, "
                    + "which answered the check at return, does not hold it: the check ran on another server "
                    + "connection, as behind PgBouncer in transaction pooling (or a statement such as DISCARD ALL "
                    + "released it). Behind a transaction pooler the check at return cannot work: set "
                    + "lockwarden.pooler=transaction (said once)", known.held().keySet().iterator().next().key(),
                    answering.pid());
        }
    }

    /**
     * A connection with autocommit off and no transaction open (a pool with {@code autoCommit=false} that rolled
     * back before its reset) would open a transaction for the check and keep it open, idle with a snapshot, into
     * the next borrow. So the check runs in autocommit: switching it on outside a transaction sends nothing to
     * the server. Returns the pgjdbc connection whose autocommit must be switched off again, or null.
     */
    private static Connection autoCommitForTheCheck(Connection raw) throws SQLException {
        if (raw.getAutoCommit() || TransactionStatus.of(raw) != TransactionStatus.State.IDLE
                || !raw.isWrapperFor(org.postgresql.PGConnection.class)) {
            return null; // inside the application's own transaction: checked there, as the pool left it
        }
        Connection pg = raw.unwrap(org.postgresql.core.BaseConnection.class);
        pg.setAutoCommit(true);
        return pg;
    }

    private static void restoreAutoCommit(Connection pg) {
        if (pg == null) {
            return;
        }
        try {
            if (!pg.isClosed()) {
                pg.setAutoCommit(false);
            }
        } catch (SQLException e) {
            LOG.debug("could not switch autocommit off again: {}", e.getMessage());
        }
    }

    private static void restore(Connection raw, Integer previousTimeout) {
        if (previousTimeout == null) {
            return;
        }
        try {
            if (!raw.isClosed()) {
                raw.setNetworkTimeout(Runnable::run, previousTimeout);
            }
        } catch (SQLException e) {
            LOG.debug("could not restore the network timeout: {}", e.getMessage());
        }
    }

    private static Rows held(Connection raw) throws SQLException {
        try (Statement st = raw.createStatement(); ResultSet rs = st.executeQuery(HELD)) {
            return rows(rs);
        }
    }

    /** Reads the rows of {@link #HELD} (pid, classid, objid, objsubid, mode; more columns are ignored). */
    static Rows rows(ResultSet rs) throws SQLException {
        Set<LockTracker.Held> held = new LinkedHashSet<>();
        int pid = 0;
        while (rs.next()) {
            pid = rs.getInt(1);
            long classid = rs.getLong(2);
            if (rs.wasNull()) {
                continue;
            }
            LockKey key = LockKey.fromPgLocks(classid, rs.getLong(3), rs.getInt(4));
            LockMode mode = "ShareLock".equals(rs.getString(5)) ? LockMode.SHARED : LockMode.EXCLUSIVE;
            held.add(new LockTracker.Held(key, mode));
        }
        return new Rows(pid, held);
    }

    /**
     * Logs one leak at WARN and, unless in report mode, gives it to the listener.
     *
     * @param when     when it was found, e.g. "when its connection (backend pid 42) was returned to the pool"
     * @param released what the guard did in release and fail-fast modes
     */
    static void report(Leak leak, GuardSettings settings, String when, String released) {
        leak.site().setStackTrace(CallSites.withoutGuardFrames(leak.site().getStackTrace()));
        LockTracker.Hold hold = leak.hold();
        Duration heldFor = hold == null ? Duration.ZERO : Duration.ofNanos(System.nanoTime() - hold.sinceNanos());
        String times = hold == null ? "" : hold.count() > 1 ? ", taken " + hold.count() + " times (re-entrant)" : "";
        String after = hold == null ? "for an unknown time" : "for " + heldFor.toMillis() + " ms";
        String outcome = settings.mode() == GuardMode.REPORT ? "left it held (report mode)" : released;
        LOG.warn("session advisory lock {} ({}{}) was still held {} {}; {}. "
                        + "Release it where it is taken, or use pg_advisory_xact_lock inside the transaction. Taken here:",
                leak.lock().key(), leak.lock().mode().name().toLowerCase(), times, after, when, outcome,
                leak.site());
        if (settings.mode() != GuardMode.REPORT) {
            try {
                settings.listener().abandoned(new LockEvent(leak.lock().key(), LockScope.SESSION, leak.lock().mode(),
                        leak.pid(), Duration.ZERO, heldFor), leak.site());
            } catch (RuntimeException e) {
                LOG.warn("a LockListener threw; ignored", e);
            }
        }
    }

    /** The keys of leaks, for a message: {@code 42 [classid=..], (1,2) [..]}. */
    static String describe(List<Leak> leaks) {
        StringBuilder b = new StringBuilder();
        for (Leak l : leaks) {
            b.append(b.length() == 0 ? "" : ", ").append(l.lock().key());
        }
        return b.toString();
    }
}
