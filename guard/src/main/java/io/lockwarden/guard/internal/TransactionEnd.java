package io.lockwarden.guard.internal;

import io.lockwarden.LockMode;
import io.lockwarden.guard.GuardMode;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends a transaction behind a transaction pooler so that no session lock it took outlives it on the server
 * connection. The pooler hands that server connection to another client when the server reports the transaction
 * over (ReadyForQuery "idle", at the Sync after COMMIT or ROLLBACK); everything before that runs on it:
 * <ul>
 *   <li>commit of an open transaction: one statement reads the backend's advisory locks from {@code pg_locks}
 *       and takes each again as a transaction-level lock (granted at once: the backend holds it), then
 *       {@code pg_advisory_unlock_all()} drops the session level, then the application's COMMIT. The keys stay
 *       locked until the commit is done (no other client reads data before it is committed), and a COMMIT that
 *       fails rolls back with nothing left behind;</li>
 *   <li>rollback, and commit of a transaction an error aborted (the server rolls it back): one query string
 *       {@code ROLLBACK; <read pg_locks>; SELECT pg_advisory_unlock_all()}, sent with one Sync, so the release
 *       runs on the same server connection after the transaction's own locks are gone; what the read finds are
 *       exactly the session locks;</li>
 *   <li>report mode: {@code COMMIT|ROLLBACK; <read pg_locks>} in one string, nothing released.</li>
 * </ul>
 * Locks are reported with the call site the tracker knew; a lock no statement of this transaction explains
 * was left on the server connection by another client (released and reported as such; not counted in report
 * mode, where its own client reported it). Stateless; the connection is used by one thread.
 */
final class TransactionEnd {
    private static final Logger LOG = LoggerFactory.getLogger(io.lockwarden.guard.LockGuard.class);
    private static final String KEY = "(l.classid::bigint << 32) | l.objid::bigint";
    private static final String PAIR = "l.classid::int, l.objid::int";
    /** Reads the advisory locks like {@link LockRelease#HELD} and takes each again as a transaction lock. */
    static final String RELOCK = "SELECT p.pid, l.classid, l.objid, l.objsubid, l.mode, CASE "
            + "WHEN l.objsubid IS NULL THEN NULL "
            + "WHEN l.objsubid = 1 AND l.mode = 'ExclusiveLock' THEN pg_advisory_xact_lock(" + KEY + ")::text "
            + "WHEN l.objsubid = 1 THEN pg_advisory_xact_lock_shared(" + KEY + ")::text "
            + "WHEN l.mode = 'ExclusiveLock' THEN pg_advisory_xact_lock(" + PAIR + ")::text "
            + "ELSE pg_advisory_xact_lock_shared(" + PAIR + ")::text END "
            + "FROM (SELECT pg_backend_pid() AS pid) p LEFT JOIN pg_locks l "
            + "ON l.pid = p.pid AND l.locktype = 'advisory' AND l.granted";

    /** How the application ends its transaction. */
    enum How {
        COMMIT, ROLLBACK
    }

    private TransactionEnd() {
    }

    /**
     * Ends the open transaction of {@code raw} as the application asked, settling the session locks it took.
     *
     * @return the session locks found (released unless in report mode)
     * @throws SQLException what ending the transaction threw (the locks are settled first where the server allows)
     */
    static List<LockRelease.Leak> end(Connection raw, LockTracker.Drained known, GuardSettings settings, How how)
            throws SQLException {
        TransactionStatus.State state = TransactionStatus.of(raw);
        if (state == TransactionStatus.State.IDLE) {
            run(raw, how); // nothing ran in it: the server has no transaction to end
            return List.of();
        }
        if (settings.mode() == GuardMode.REPORT) {
            return endThenRead(raw, known, settings, how, false);
        }
        if (how == How.COMMIT && state == TransactionStatus.State.OPEN) {
            return releaseThenCommit(raw, known, settings);
        }
        return endThenRead(raw, known, settings, how, true);
    }

    private static void run(Connection raw, How how) throws SQLException {
        if (how == How.COMMIT) {
            raw.commit();
        } else {
            raw.rollback();
        }
    }

    /** {@code END; read; [unlock_all]} in one string: one Sync, one server connection. */
    private static List<LockRelease.Leak> endThenRead(Connection raw, LockTracker.Drained known,
                                                      GuardSettings settings, How how, boolean release)
            throws SQLException {
        String sql = how.name() + "; " + LockRelease.HELD + (release ? "; SELECT pg_advisory_unlock_all()" : "");
        LockRelease.Rows rows;
        try (Statement st = raw.createStatement()) {
            st.execute(sql);
            rows = firstRows(st);
        } catch (SQLException e) {
            if (!release) { // a COMMIT that failed: the read did not run; what the guard followed is what leaked
                report(known, new LockRelease.Rows(0, known.held().keySet()), settings, how, false);
            }
            throw e;
        }
        return report(known, rows, settings, how, !release);
    }

    /** Takes the held keys again as transaction locks, drops their session level, then commits. */
    private static List<LockRelease.Leak> releaseThenCommit(Connection raw, LockTracker.Drained known,
                                                            GuardSettings settings) throws SQLException {
        LockRelease.Rows all;
        Set<LockTracker.Held> session = new LinkedHashSet<>();
        try {
            // lockwarden:ignore LW104,LW112 re-takes keys this session holds (never waits); commit branch returns
            try (Statement st = raw.createStatement(); ResultSet rs = st.executeQuery(RELOCK)) {
                all = LockRelease.rows(rs);
            }
            if (all.held().isEmpty()) {
                raw.commit();
                return List.of();
            }
            // what no followed call explains may be a session lock or a transaction lock: pg_advisory_unlock
            // answers true for a session lock (still held as a transaction lock, so nobody else gets it yet)
            List<LockTracker.Held> unexplained = new ArrayList<>();
            StringBuilder sql = new StringBuilder();
            for (LockTracker.Held h : all.held()) {
                if (known.held().containsKey(h)) {
                    session.add(h);
                } else if (!known.xact().contains(h)) {
                    unexplained.add(h);
                    sql.append("SELECT pg_advisory_unlock").append(h.mode() == LockMode.SHARED ? "_shared" : "")
                            .append('(').append(h.key().sqlArguments()).append("); ");
                }
            }
            sql.append("SELECT pg_advisory_unlock_all()");
            try (Statement st = raw.createStatement()) {
                st.execute(sql.toString());
                for (LockTracker.Held h : unexplained) {
                    try (ResultSet rs = st.getResultSet()) {
                        if (rs.next() && rs.getBoolean(1)) {
                            session.add(h);
                        }
                    }
                    st.getMoreResults();
                }
                st.clearWarnings(); // "you don't own a lock": a transaction lock, as the answer says
            }
        } catch (SQLException e) {
            if (raw.isClosed() || TransactionStatus.of(raw) == TransactionStatus.State.IDLE) {
                throw e; // the backend is gone (and its locks with it)
            }
            // the transaction is aborted or in an unknown state: roll it back with the locks, then say so
            endThenRead(raw, known, settings, How.ROLLBACK, true);
            throw new SQLException("the transaction was rolled back, not committed: Lockwarden could not release "
                    + "its session advisory locks before the commit (" + e.getMessage() + ")", e.getSQLState(), e);
        }
        List<LockRelease.Leak> leaks = report(known, new LockRelease.Rows(all.pid(), session), settings, How.COMMIT,
                false); // released already, whether or not the commit succeeds (a failed COMMIT rolls back)
        raw.commit();
        return leaks;
    }

    private static LockRelease.Rows firstRows(Statement st) throws SQLException {
        for (int i = 0; i < 3; i++) {
            ResultSet current = st.getResultSet();
            if (current != null) {
                try (ResultSet rs = current) {
                    return LockRelease.rows(rs);
                }
            }
            if (!st.getMoreResults() && st.getUpdateCount() == -1) {
                break;
            }
        }
        throw new SQLException("Lockwarden read no pg_locks rows at the end of the transaction", "XX000");
    }

    /**
     * Reports the session locks found at the end of a transaction.
     *
     * @param ownOnly true to leave out locks no statement of this transaction explains (report mode: they were
     *                left by another client, which reports them itself)
     */
    private static List<LockRelease.Leak> report(LockTracker.Drained known, LockRelease.Rows rows,
                                                 GuardSettings settings, How how, boolean ownOnly) {
        List<LockRelease.Leak> leaks = new ArrayList<>();
        for (LockTracker.Held lock : rows.held()) {
            LockTracker.Hold hold = known.held().get(lock);
            Throwable site = hold != null ? hold.site() : known.tried().get(lock);
            if (site == null && known.unfollowed() != null) {
                site = known.unfollowed();
            }
            if (site == null) {
                if (ownOnly) {
                    LOG.debug("session advisory lock {} on backend {} was left there by another client", lock.key(),
                            rows.pid());
                    continue;
                }
                site = new Throwable("not taken by this client: found on its server connection at the end of its "
                        + "transaction, left there by another client of the pooler");
            }
            LockRelease.Leak leak = new LockRelease.Leak(lock, hold, rows.pid(), site);
            String backend = rows.pid() == 0 ? "an unknown backend" : "backend pid " + rows.pid();
            LockRelease.report(leak, settings, "when its transaction ended (" + how.name().toLowerCase()
                    + ") on a server connection of a transaction pooler (" + backend + ")",
                    "Lockwarden released it on that server connection before the pooler could hand the "
                    + "connection to another client");
            leaks.add(leak);
        }
        return leaks;
    }
}
