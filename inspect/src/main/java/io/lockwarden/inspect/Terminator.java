package io.lockwarden.inspect;

import io.lockwarden.LockKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Lockwarden's only write path: ends backends with {@code pg_terminate_backend}, but only those that still
 * match their {@link TerminationPlan} at that moment. Every consumer that ends sessions ({@code lockwarden
 * release}, the watchdog's enforcement) goes through this class.
 *
 * <p>A plan is made from a snapshot, and a snapshot is stale by the time a person has confirmed it: the
 * session may have begun writing, started a query, released its lock, or ended and had its pid reused.
 * So the facts are rechecked <em>in the statement that terminates</em>: one SQL statement per plan reads
 * {@code pg_stat_activity} and {@code pg_locks} and calls {@code pg_terminate_backend(pid, timeout)} only
 * when all of these still hold:
 * <ul>
 *   <li>the same backend: same {@code pid} and {@code backend_start};</li>
 *   <li>it still holds (granted) every planned advisory key;</li>
 *   <li>{@code backend_xid} is null, or is the one the plan accepted;</li>
 *   <li>its state is not {@code active}, unless the plan allows it;</li>
 *   <li>it is a {@code client backend} and not the terminating session itself;</li>
 *   <li>when the plan has a {@link TerminationPlan#minIdle() minimum idle time}: its state is {@code idle} and
 *       {@code now() - state_change} is at least that long (it did nothing since it was planned);</li>
 *   <li>when the plan has a {@link TerminationPlan#fence() fence}: that other backend still holds (granted) the
 *       fence's advisory key (the watchdog passes its leader lock, so a replica that lost leadership between its
 *       decision and this statement ends nothing).</li>
 * </ul>
 * The same statement then waits (bounded by the timeout, PostgreSQL 14+) for the backend to exit, so a
 * {@link TerminationOutcome.Status#TERMINATED} outcome means it is gone and its locks with it.
 *
 * <p>Thread-safe when made {@link #using(DataSource, Duration) with a data source}: each call borrows its own
 * connection. One made {@link #on(Connection, Duration) on a connection} is as thread-safe as that connection.
 */
public final class Terminator {

    /*
     * One statement: the checks and the signal cannot be separated by anything the target does. CASE
     * evaluates pg_terminate_backend only when every check passed.
     */
    private static final String TERMINATE_SQL = """
            WITH planned(classid, objid, objsubid) AS (
              SELECT * FROM unnest(?::int8[], ?::int8[], ?::int4[])
            ), a AS (
              SELECT pid, backend_start, backend_xid::text AS xid, state, backend_type,
                     (?::float8 IS NULL OR (state = 'idle'
                       AND now() - state_change >= make_interval(secs => ?::float8))) AS idle_ok
                FROM pg_stat_activity WHERE pid = ?
            ), f AS (
              SELECT a.*, (SELECT count(*) FROM planned p WHERE NOT EXISTS (
                       SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.pid = a.pid
                          AND l.classid::int8 = p.classid AND l.objid::int8 = p.objid
                          AND l.objsubid::int4 = p.objsubid)) AS missing,
                     a.pid = pg_backend_pid() AS self,
                     (?::int4 IS NULL OR EXISTS (
                       SELECT 1 FROM pg_locks k WHERE k.locktype = 'advisory' AND k.granted AND k.pid = ?::int4
                          AND k.classid::int8 = ?::int8 AND k.objid::int8 = ?::int8
                          AND k.objsubid::int4 = ?::int4)) AS fence_ok
                FROM a
            ), d AS (
              SELECT f.*, (backend_start = ?::timestamptz AND missing = 0 AND (xid IS NULL OR xid = ?)
                           AND (state IS DISTINCT FROM 'active' OR ?) AND backend_type = 'client backend'
                           AND NOT self AND idle_ok AND fence_ok) AS ok
                FROM f
            )
            SELECT to_json(backend_start)#>>'{}' AS backend_start, xid, state, backend_type, missing, self, ok,
                   CASE WHEN ok THEN pg_terminate_backend(pid, ?) END AS signalled, idle_ok, fence_ok
              FROM d
            """;

    private final DataSource dataSource;
    private final Connection connection;
    private final Duration wait;

    private Terminator(DataSource dataSource, Connection connection, Duration wait) {
        this.dataSource = dataSource;
        this.connection = connection;
        this.wait = wait;
    }

    /**
     * A terminator that connects through {@code dataSource} and waits up to {@code wait} per session for
     * the backend to exit.
     *
     * @throws IllegalArgumentException when {@code wait} is not positive
     */
    public static Terminator using(DataSource dataSource, Duration wait) {
        Objects.requireNonNull(dataSource, "dataSource");
        return new Terminator(dataSource, null, positive(wait));
    }

    /**
     * A terminator that runs its statements on the caller's open {@code connection} (the watchdog's sampling
     * session), which it never closes, and waits up to {@code wait} per session for the backend to exit. Not
     * thread-safe beyond what the connection is: use it from the thread that owns the connection.
     *
     * @throws IllegalArgumentException when {@code wait} is not positive
     */
    public static Terminator on(Connection connection, Duration wait) {
        Objects.requireNonNull(connection, "connection");
        return new Terminator(null, connection, positive(wait));
    }

    private static Duration positive(Duration wait) {
        if (wait.isNegative() || wait.isZero()) {
            throw new IllegalArgumentException("the wait for a terminated backend to exit must be positive, got "
                    + wait);
        }
        return wait;
    }

    /**
     * Rechecks and terminates each plan in order, one statement each, over one borrowed connection (or the one given to {@link #on}).
     *
     * @return one outcome per plan, in the same order
     * @throws TerminationException when the connection fails; it carries the outcomes of the plans already
     *         handled, so a caller can report exactly what was terminated before the failure
     */
    public List<TerminationOutcome> terminate(List<TerminationPlan> plans) {
        List<TerminationOutcome> done = new ArrayList<>();
        try {
            if (connection != null) {
                terminate(connection, plans, done);
            } else {
                try (Connection c = dataSource.getConnection()) {
                    terminate(c, plans, done);
                }
            }
            return done;
        } catch (SQLException e) {
            throw new TerminationException("terminating failed (" + firstLine(e) + ") after " + done.size() + " of "
                    + plans.size() + " session(s): run lockwarden diagnose to see what is left", e, done);
        }
    }

    private void terminate(Connection c, List<TerminationPlan> plans, List<TerminationOutcome> done)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(TERMINATE_SQL)) {
            for (TerminationPlan plan : plans) {
                done.add(terminate(c, ps, plan));
            }
        }
    }

    private TerminationOutcome terminate(Connection c, PreparedStatement ps, TerminationPlan plan) throws SQLException {
        List<LockKey> keys = plan.heldKeys();
        Long[] classids = keys.stream().map(LockKey::classid).toArray(Long[]::new);
        Long[] objids = keys.stream().map(LockKey::objid).toArray(Long[]::new);
        Integer[] subids = keys.stream().map(LockKey::objsubid).toArray(Integer[]::new);
        ps.setArray(1, c.createArrayOf("int8", classids));
        ps.setArray(2, c.createArrayOf("int8", objids));
        ps.setArray(3, c.createArrayOf("int4", subids));
        Double minIdle = plan.minIdle() == null ? null : plan.minIdle().toMillis() / 1000.0;
        ps.setObject(4, minIdle, Types.DOUBLE);
        ps.setObject(5, minIdle, Types.DOUBLE);
        ps.setInt(6, plan.pid());
        TerminationPlan.Fence fence = plan.fence();
        Integer fencePid = fence == null ? null : fence.pid();
        ps.setObject(7, fencePid, Types.INTEGER);
        ps.setObject(8, fencePid, Types.INTEGER);
        ps.setObject(9, fence == null ? null : fence.key().classid(), Types.BIGINT);
        ps.setObject(10, fence == null ? null : fence.key().objid(), Types.BIGINT);
        ps.setObject(11, fence == null ? null : fence.key().objsubid(), Types.INTEGER);
        ps.setString(12, plan.backendStart().toString());
        ps.setString(13, plan.acceptedXid());
        ps.setBoolean(14, plan.allowActive());
        ps.setLong(15, Math.max(1, wait.toMillis()));
        try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                return skipped(plan, List.of("ended before termination (no such pid in pg_stat_activity)"));
            }
            if (rs.getBoolean("ok")) {
                return rs.getBoolean("signalled") ? new TerminationOutcome(plan.pid(), TerminationOutcome.Status.TERMINATED,
                        List.of(), null)
                        : new TerminationOutcome(plan.pid(), TerminationOutcome.Status.NOT_CONFIRMED, List.of(),
                        "signalled, but the backend had not exited after " + wait.toMillis()
                        + " ms (it may be stuck in a system call): check pg_stat_activity for pid " + plan.pid());
            }
            return skipped(plan, changes(plan, rs));
        } catch (SQLException e) {
            if ("42501".equals(e.getSQLState())) {
                return new TerminationOutcome(plan.pid(), TerminationOutcome.Status.DENIED, List.of(), firstLine(e));
            }
            throw e;
        }
    }

    /** Describes, from the facts the terminating statement read, every check that failed. */
    private static List<String> changes(TerminationPlan plan, ResultSet rs) throws SQLException {
        List<String> out = new ArrayList<>();
        String start = rs.getString("backend_start");
        Instant backendStart = start == null ? null : OffsetDateTime.parse(start).toInstant();
        if (!plan.backendStart().equals(backendStart)) {
            out.add("is a different backend now: pid " + plan.pid() + " ended and was reused by a session that started "
                    + (backendStart == null ? "at a hidden time" : "at " + backendStart) + " (planned backend started "
                    + plan.backendStart() + ")");
            return out;
        }
        long missing = rs.getLong("missing");
        if (missing > 0) {
            out.add("released " + (missing == plan.heldKeys().size() ? "its" : missing + " of its " + plan.heldKeys().size())
                    + " planned advisory lock(s)");
        }
        String xid = rs.getString("xid");
        if (xid != null && !xid.equals(plan.acceptedXid())) {
            out.add("began writing (backend_xid " + xid + "): terminating it would roll that back");
        }
        String state = rs.getString("state");
        if ("active".equals(state) && !plan.allowActive()) {
            out.add("is running a query now");
        }
        if (!"client backend".equals(rs.getString("backend_type"))) {
            out.add("is not a client backend (" + rs.getString("backend_type") + ")");
        }
        if (rs.getBoolean("self")) {
            out.add("is the terminating session itself");
        }
        if (!rs.getBoolean("idle_ok") && !("active".equals(state) && !plan.allowActive())) {
            out.add("idle".equals(state) ? "was active again since it was planned (idle for less than "
                    + plan.minIdle().toMillis() / 1000.0 + " s)"
                    : "is no longer idle (state " + state + ")");
        }
        if (!rs.getBoolean("fence_ok")) {
            out.add("the fence is lost: pid " + plan.fence().pid() + " no longer holds advisory lock "
                    + plan.fence().key() + " (for the watchdog: this replica is no longer the leader)");
        }
        if (out.isEmpty()) {
            out.add("no longer matched the plan");
        }
        return out;
    }

    private static TerminationOutcome skipped(TerminationPlan plan, List<String> changes) {
        return new TerminationOutcome(plan.pid(), TerminationOutcome.Status.SKIPPED, changes, null);
    }

    private static String firstLine(SQLException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.lines().findFirst().orElse(m);
    }
}
