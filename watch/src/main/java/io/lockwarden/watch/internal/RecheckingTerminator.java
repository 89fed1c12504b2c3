package io.lockwarden.watch.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * Interim {@link SessionTerminator}: rechecks pid + backend_start, still holding an advisory lock, idle long
 * enough, no transaction id ({@code backend_xid IS NULL}), a client backend, not this session, not holding a
 * watchdog leader lock, and (when fenced) that this replica's leader backend still holds its leader lock, all
 * in the statement that calls {@code pg_terminate_backend(pid, 5000)}, which waits for the backend to exit.
 * To be replaced by inspect's public safe-termination API once it exists (one code path with
 * {@code release}). Thread-safe.
 */
public final class RecheckingTerminator implements SessionTerminator {

    private static final String TERMINATE = """
            SELECT pg_terminate_backend(a.pid, 5000)
              FROM pg_stat_activity a
             WHERE a.pid = ? AND a.backend_start = ?
               AND a.state = 'idle' AND now() - a.state_change >= make_interval(secs => ?)
               AND a.backend_xid IS NULL AND a.backend_type = 'client backend' AND a.pid <> pg_backend_pid()
               AND EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.locktype = 'advisory' AND l.granted)
               AND NOT EXISTS (SELECT 1 FROM pg_locks w WHERE w.pid = a.pid AND w.locktype = 'advisory'
                               AND w.classid = ?::oid AND w.objid = ?::oid AND w.objsubid = ?)
               AND (? OR EXISTS (SELECT 1 FROM pg_locks f WHERE f.pid = ? AND f.locktype = 'advisory' AND f.granted
                                 AND f.classid = ?::oid AND f.objid = ?::oid AND f.objsubid = ?))
            """;

    private static final String WHY = """
            SELECT a.backend_start = ?, a.state, a.backend_xid::text, a.backend_type,
                   EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.locktype = 'advisory' AND l.granted),
                   now() - a.state_change >= make_interval(secs => ?)
              FROM pg_stat_activity a WHERE a.pid = ?
            """;

    @Override
    public Result terminate(Connection c, Request r) throws SQLException {
        OffsetDateTime started = r.backendStart().atOffset(ZoneOffset.UTC);
        double minIdle = r.minIdle().toMillis() / 1000.0;
        try (PreparedStatement ps = c.prepareStatement(TERMINATE)) {
            int i = 1;
            ps.setInt(i++, r.pid());
            ps.setObject(i++, started);
            ps.setDouble(i++, minIdle);
            io.lockwarden.LockKey leader = LeaderElection.KEY;
            ps.setLong(i++, leader.classid());
            ps.setLong(i++, leader.objid());
            ps.setInt(i++, leader.objsubid());
            ps.setBoolean(i++, r.fenceKey() == null);
            ps.setInt(i++, r.fencePid());
            io.lockwarden.LockKey fence = r.fenceKey() == null ? leader : r.fenceKey();
            ps.setLong(i++, fence.classid());
            ps.setLong(i++, fence.objid());
            ps.setInt(i, fence.objsubid());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    return rs.getBoolean(1) ? new Result(true, "terminated", null)
                            : new Result(false, "not-confirmed", "signalled, but it had not exited after 5 s");
                }
            }
        }
        return new Result(false, "recheck-failed", why(c, r, started, minIdle));
    }

    private static String why(Connection c, Request r, OffsetDateTime started, double minIdle) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(WHY)) {
            ps.setObject(1, started);
            ps.setDouble(2, minIdle);
            ps.setInt(3, r.pid());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return "the session ended before the action";
                }
                if (!rs.getBoolean(1)) {
                    return "pid " + r.pid() + " now belongs to a new session (backend_start changed)";
                }
                if (rs.getString(3) != null) {
                    return "it began writing since the sample (backend_xid " + rs.getString(3) + ")";
                }
                if (!"idle".equals(rs.getString(2))) {
                    return "it is no longer idle (state " + rs.getString(2) + ")";
                }
                if (!rs.getBoolean(5)) {
                    return "it no longer holds an advisory lock";
                }
                if (!rs.getBoolean(6)) {
                    return "it was active again since the sample (idle for less than the policy's duration)";
                }
                return r.fenceKey() == null ? "it no longer matched the recheck"
                        : "this replica no longer holds the leader lock";
            }
        }
    }
}
