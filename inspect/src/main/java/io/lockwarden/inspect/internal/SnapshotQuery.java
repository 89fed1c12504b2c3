package io.lockwarden.inspect.internal;

import io.lockwarden.inspect.AdvisoryLockRow;
import io.lockwarden.inspect.InspectionException;
import io.lockwarden.inspect.KeyDecoder;
import io.lockwarden.inspect.PgBouncerView;
import io.lockwarden.inspect.PreparedTransaction;
import io.lockwarden.inspect.QueryText;
import io.lockwarden.inspect.ServerSettings;
import io.lockwarden.inspect.SessionInfo;
import io.lockwarden.inspect.Snapshot;
import io.lockwarden.inspect.StatementStat;
import io.lockwarden.inspect.Visibility;
import java.sql.Array;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Reads a {@link Snapshot} in one round trip: five statements sent as one batch, so one implicit transaction
 * (settings, the reader's identity, database names, the one scan of {@code pg_locks}, then sessions and prepared
 * transactions). An optional further query reads {@code pg_stat_statements} when it is installed.
 *
 * <p>Stateless apart from the key decoder; thread-safe.
 */
public final class SnapshotQuery {

    private static final String SETTINGS_SQL = "SELECT name, setting FROM pg_settings WHERE name IN ("
            + ServerSettings.NAMES.stream().map(n -> "'" + n + "'").collect(Collectors.joining(", ")) + ")";

    private static final String IDENTITY_SQL = "SELECT current_setting('server_version'),"
            + " current_setting('server_version_num')::int, pg_backend_pid(), current_user::text,"
            + " coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = current_user), false),"
            + " pg_has_role('pg_read_all_stats', 'USAGE'), pg_has_role('pg_signal_backend', 'USAGE'),"
            + " to_json(statement_timestamp())#>>'{}',"
            + " EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'),"
            + " current_database()::text, ARRAY(SELECT rolname::text FROM pg_roles WHERE rolsuper)";

    /*
     * One scan of pg_locks, and nothing else reads it: a second read of pg_locks (a CTE, or a join for the sessions)
     * costs as much as the first at 100k rows, and a materialized CTE spills to disk past work_mem. Every row outside the
     * fast-path slots comes back (advisory locks never use them), so the client counts what fills the shared lock
     * table itself. Kinds: 0 = advisory row of a session, 4 = advisory row of a prepared transaction (pid NULL),
     * 5 = transactionid row of a prepared transaction (links 4 to pg_prepared_xacts through virtualtransaction),
     * 2 = any other lock in the shared table (only counted).
     */
    private static final String LOCKS_SQL = """
            SELECT CASE WHEN locktype = 'advisory' THEN CASE WHEN pid IS NULL THEN 4 ELSE 0 END
                        WHEN pid IS NULL AND locktype = 'transactionid' THEN 5 ELSE 2 END,
                   pid, classid::int8, objid::int8, objsubid::int4, mode = 'ShareLock', granted, database::int8,
                   CASE WHEN NOT granted THEN to_json(waitstart)#>>'{}' END,
                   CASE WHEN pid IS NULL THEN virtualtransaction END,
                   CASE WHEN pid IS NULL THEN transactionid::text END
              FROM pg_locks WHERE NOT fastpath""";

    /** Read before the locks, so each lock row gets its database name as it is read. */
    private static final String DATABASES_SQL = "SELECT oid::int8, datname::text FROM pg_database";

    /*
     * Read after the locks in the same implicit transaction. Every backend comes back (the client keeps the ones with
     * advisory rows): filtering here would need a second read of pg_locks. Kind 1 = a session, its fields as one
     * text[]; kind 6 = a prepared transaction.
     */
    private static final String SESSIONS_SQL = """
            SELECT 1, s.pid,
                   ARRAY[s.usename::text, s.datname::text, s.application_name, host(s.client_addr),
                         to_json(s.backend_start)#>>'{}', to_json(s.xact_start)#>>'{}',
                         to_json(s.query_start)#>>'{}', to_json(s.state_change)#>>'{}', s.state,
                         s.wait_event_type, s.wait_event, s.backend_xid::text, s.query, s.backend_type,
                         CASE WHEN s.wait_event_type = 'Lock' OR s.state IS NULL
                              THEN array_to_string(pg_blocking_pids(s.pid), ',') END]
              FROM pg_stat_activity s WHERE s.pid IS NOT NULL
            UNION ALL
            SELECT 6, NULL, ARRAY[gid, owner::text, database::text, to_json(prepared)#>>'{}', transaction::text]
              FROM pg_prepared_xacts""";

    private static final String STATEMENTS_SQL = "SELECT query, calls, mean_exec_time, max_exec_time"
            + " FROM pg_stat_statements WHERE query ~* 'pg_(try_)?advisory' ORDER BY calls DESC LIMIT 50";

    private final KeyDecoder decoder;
    private final boolean fullQueryText;

    /**
     * A query decoding keys with the given decoder.
     *
     * @param fullQueryText keep query texts whole (sensitive); otherwise every literal becomes a placeholder
     */
    public SnapshotQuery(KeyDecoder decoder, boolean fullQueryText) {
        this.decoder = decoder;
        this.fullQueryText = fullQueryText;
    }

    /**
     * Reads the snapshot over an open connection, which is left open and in autocommit as found.
     *
     * @param pgBouncer  the console view to attach, read just before, or null
     * @param statements whether to read {@code pg_stat_statements} when installed
     * @throws SQLException when a query fails
     */
    public Snapshot read(Connection c, PgBouncerView pgBouncer, boolean statements) throws SQLException {
        Map<String, String> settings = new HashMap<>();
        String version;
        int versionNum;
        Visibility visibility;
        Instant takenAt;
        boolean hasStatements;
        List<SessionInfo> sessions = new ArrayList<>();
        Map<String, String[]> preparedByXid = new LinkedHashMap<>();
        LockRows rows;
        try (Statement st = c.createStatement()) {
            boolean isResultSet = st.execute(SETTINGS_SQL + ";\n" + IDENTITY_SQL + ";\n" + DATABASES_SQL + ";\n"
                    + LOCKS_SQL + ";\n" + SESSIONS_SQL);
            requireResult(isResultSet);
            try (ResultSet rs = st.getResultSet()) {
                while (rs.next()) {
                    settings.put(rs.getString(1), rs.getString(2));
                }
            }
            requireResult(st.getMoreResults());
            try (ResultSet rs = st.getResultSet()) {
                rs.next();
                version = rs.getString(1);
                versionNum = rs.getInt(2);
                boolean superuser = rs.getBoolean(5);
                java.util.Set<String> superusers = new java.util.HashSet<>(
                        java.util.Arrays.asList((String[]) rs.getArray(11).getArray()));
                visibility = new Visibility(rs.getString(4), rs.getInt(3), superuser || rs.getBoolean(6),
                        superuser || rs.getBoolean(7), superuser, rs.getString(10), superusers);
                takenAt = LockRows.instant(rs.getString(8));
                hasStatements = rs.getBoolean(9);
            }
            requireResult(st.getMoreResults());
            Map<Long, String> databases = new HashMap<>();
            try (ResultSet rs = st.getResultSet()) {
                while (rs.next()) {
                    databases.put(rs.getLong(1), rs.getString(2));
                }
            }
            rows = new LockRows(decoder, databases);
            requireResult(st.getMoreResults());
            try (ResultSet rs = st.getResultSet()) {
                while (rs.next()) {
                    rows.add(rs);
                }
            }
            requireResult(st.getMoreResults());
            try (ResultSet rs = st.getResultSet()) {
                while (rs.next()) {
                    switch (rs.getInt(1)) {
                        case 1 -> {
                            int pid = rs.getInt(2);
                            if (rows.hasPid(pid)) {
                                sessions.add(session(pid, rs.getArray(3)));
                            }
                        }
                        case 6 -> {
                            String[] info = text(rs.getArray(3));
                            preparedByXid.put(info[4], info);
                        }
                        default -> throw new IllegalStateException("unexpected row kind " + rs.getInt(1));
                    }
                }
            }
        }
        List<AdvisoryLockRow> locks = rows.sessionLocks();
        List<PreparedTransaction> prepared = rows.preparedTransactions(preparedByXid);
        Optional<List<StatementStat>> stats = Optional.empty();
        if (statements && hasStatements) {
            stats = readStatements(c);
        }
        return new Snapshot(takenAt, version, versionNum, new ServerSettings(settings), visibility, locks, sessions,
                rows.tableEntries(), Optional.ofNullable(pgBouncer), stats, prepared);
    }

    private Optional<List<StatementStat>> readStatements(Connection c) {
        List<StatementStat> out = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(STATEMENTS_SQL)) {
            while (rs.next()) {
                out.add(new StatementStat(queryText(rs.getString(1)), rs.getLong(2), rs.getDouble(3), rs.getDouble(4)));
            }
            return Optional.of(out);
        } catch (SQLException e) {
            // installed but not loaded via shared_preload_libraries, or not readable: no section.
            return Optional.empty();
        }
    }

    private SessionInfo session(int pid, Array info) throws SQLException {
        String[] f = text(info);
        boolean visible = !"<insufficient privilege>".equals(f[12]);
        List<Integer> blockers = f[14] == null || f[14].isEmpty() ? List.of()
                : Arrays.stream(f[14].split(",")).map(Integer::valueOf).toList();
        return new SessionInfo(pid, f[0], f[1], f[2], f[3], LockRows.instant(f[4]), LockRows.instant(f[5]),
                LockRows.instant(f[6]), LockRows.instant(f[7]), f[8], f[9], f[10], f[11], visible ? queryText(f[12]) : f[12], f[13], blockers,
                visible);
    }

    /** The query text as it may leave: every literal a placeholder, unless the full text was asked for. */
    private String queryText(String query) {
        return fullQueryText ? query : QueryText.normalize(query);
    }

    private static String[] text(Array a) throws SQLException {
        Object[] values = (Object[]) a.getArray();
        String[] out = new String[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (String) values[i];
        }
        return out;
    }

    private static void requireResult(boolean isResultSet) {
        if (!isResultSet) {
            throw new InspectionException("the snapshot batch returned no result set where one was expected;"
                    + " is this a PostgreSQL server (not a pooler console)?", null);
        }
    }
}
