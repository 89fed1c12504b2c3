package io.lockwarden.inspect.internal;

import io.lockwarden.LockKey;
import io.lockwarden.inspect.AdvisoryLockRow;
import io.lockwarden.inspect.InspectionException;
import io.lockwarden.inspect.PgBouncerView;
import io.lockwarden.inspect.PreparedTransaction;
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
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Reads a {@link Snapshot} in one round trip: three statements sent as one batch (settings, the
 * reader's identity, then locks + sessions + lock table use from a single read of {@code pg_locks}).
 * An optional fourth query reads {@code pg_stat_statements} when it is installed.
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
            + " EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements')";

    /*
     * One read of pg_locks (materialized, so every part sees the same rows), then: kind 0 = advisory lock rows, kind 1 = sessions of the
     * pids in them with blockers, kind 2 = lock table use, kind 3 = database names, kind 4 = advisory locks of
     * prepared transactions (pid NULL; linked to pg_prepared_xacts through the transactionid row that shares
     * their virtualtransaction). Session fields travel
     * as one text[] so the 100k lock rows stay narrow.
     */
    private static final String LOCKS_SQL = """
            WITH l AS MATERIALIZED (
              SELECT locktype, pid, classid, objid, objsubid, mode, granted, database, fastpath, waitstart,
                     virtualtransaction, transactionid FROM pg_locks)
            SELECT 0 AS kind, pid, classid::int8 AS c, objid::int8 AS o, objsubid::int4 AS s, mode,
                   granted, database::int8 AS db,
                   CASE WHEN granted THEN NULL ELSE ARRAY[to_json(waitstart)#>>'{}'] END AS info
              FROM l WHERE locktype = 'advisory' AND pid IS NOT NULL
            UNION ALL
            SELECT 1, s.pid, NULL, NULL, NULL, NULL, NULL, NULL,
                   ARRAY[s.usename::text, s.datname::text, s.application_name, host(s.client_addr),
                         to_json(s.backend_start)#>>'{}', to_json(s.xact_start)#>>'{}',
                         to_json(s.query_start)#>>'{}', to_json(s.state_change)#>>'{}', s.state,
                         s.wait_event_type, s.wait_event, s.backend_xid::text, s.query, s.backend_type,
                         CASE WHEN s.wait_event_type = 'Lock' THEN array_to_string(pg_blocking_pids(s.pid), ',') END]
              FROM pg_stat_activity s WHERE s.pid IN (SELECT pid FROM l WHERE locktype = 'advisory')
            UNION ALL
            SELECT 2, NULL, count(*) FILTER (WHERE NOT fastpath), count(*), NULL, NULL, NULL, NULL, NULL FROM l
            UNION ALL
            SELECT 3, NULL, NULL, NULL, NULL, NULL, NULL, oid::int8, ARRAY[datname::text] FROM pg_database
            UNION ALL
            SELECT 4, NULL, a.classid::int8, a.objid::int8, a.objsubid::int4, a.mode, a.granted, a.database::int8,
                   ARRAY[p.gid, p.owner::text, p.database::text, to_json(p.prepared)#>>'{}', p.transaction::text]
              FROM l a
              JOIN l x ON x.locktype = 'transactionid' AND x.pid IS NULL AND x.virtualtransaction = a.virtualtransaction
              JOIN pg_prepared_xacts p ON p.transaction = x.transactionid
             WHERE a.locktype = 'advisory' AND a.pid IS NULL
            """;

    private static final String STATEMENTS_SQL = "SELECT query, calls, mean_exec_time, max_exec_time"
            + " FROM pg_stat_statements WHERE query ~* 'pg_(try_)?advisory' ORDER BY calls DESC LIMIT 50";

    private static final java.util.regex.Pattern PASSWORD_LITERAL =
            java.util.regex.Pattern.compile("(?i)(password\\s*(?:=\\s*)?)'(?:[^']|'')*'");

    private final KeyDecoder decoder;

    /** A query decoding keys with the given decoder. */
    public SnapshotQuery(KeyDecoder decoder) {
        this.decoder = decoder;
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
        List<AdvisoryLockRow> locks = new ArrayList<>();
        List<SessionInfo> sessions = new ArrayList<>();
        List<PreparedTransaction> prepared = new ArrayList<>();
        long tableEntries = 0;
        try (Statement st = c.createStatement()) {
            boolean isResultSet = st.execute(SETTINGS_SQL + ";\n" + IDENTITY_SQL + ";\n" + LOCKS_SQL);
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
                visibility = new Visibility(rs.getString(4), rs.getInt(3), superuser || rs.getBoolean(6),
                        superuser || rs.getBoolean(7));
                takenAt = OffsetDateTime.parse(rs.getString(8)).toInstant();
                hasStatements = rs.getBoolean(9);
            }
            requireResult(st.getMoreResults());
            Map<Long, String> databases = new HashMap<>();
            List<long[]> raw = new ArrayList<>();
            List<String> modes = new ArrayList<>();
            Map<Integer, Instant> waitStarts = new HashMap<>();
            List<long[]> preparedRaw = new ArrayList<>();
            List<String> preparedModes = new ArrayList<>();
            List<String[]> preparedInfo = new ArrayList<>();
            try (ResultSet rs = st.getResultSet()) {
                while (rs.next()) {
                    switch (rs.getInt(1)) {
                        case 0 -> {
                            raw.add(new long[] {rs.getInt(2), rs.getLong(3), rs.getLong(4), rs.getInt(5),
                                rs.getBoolean(7) ? 1 : 0, rs.getLong(8)});
                            modes.add(rs.getString(6));
                            Array wait = rs.getArray(9);
                            if (wait != null) {
                                waitStarts.put(raw.size() - 1, instant(text(wait)[0]));
                            }
                        }
                        case 1 -> sessions.add(session(rs.getInt(2), rs.getArray(9)));
                        case 2 -> tableEntries = rs.getLong(3);
                        case 3 -> databases.put(rs.getLong(8), text(rs.getArray(9))[0]);
                        case 4 -> {
                            preparedRaw.add(new long[] {0, rs.getLong(3), rs.getLong(4), rs.getInt(5),
                                rs.getBoolean(7) ? 1 : 0, rs.getLong(8)});
                            preparedModes.add(rs.getString(6));
                            preparedInfo.add(text(rs.getArray(9)));
                        }
                        default -> throw new IllegalStateException("unexpected row kind " + rs.getInt(1));
                    }
                }
            }
            for (int i = 0; i < raw.size(); i++) {
                locks.add(row(raw.get(i), modes.get(i), databases, waitStarts.get(i)));
            }
            Map<String, List<AdvisoryLockRow>> preparedLocks = new LinkedHashMap<>();
            Map<String, String[]> preparedById = new LinkedHashMap<>();
            for (int i = 0; i < preparedRaw.size(); i++) {
                String[] info = preparedInfo.get(i);
                preparedById.putIfAbsent(info[0], info);
                preparedLocks.computeIfAbsent(info[0], g -> new ArrayList<>())
                        .add(row(preparedRaw.get(i), preparedModes.get(i), databases, null));
            }
            preparedById.forEach((gid, info) -> prepared.add(new PreparedTransaction(gid, info[1], info[2],
                    instant(info[3]), info[4], preparedLocks.get(gid))));
        }
        Optional<List<StatementStat>> stats = Optional.empty();
        if (statements && hasStatements) {
            stats = readStatements(c);
        }
        return new Snapshot(takenAt, version, versionNum, new ServerSettings(settings), visibility, locks, sessions,
                tableEntries, Optional.ofNullable(pgBouncer), stats, prepared);
    }

    private AdvisoryLockRow row(long[] r, String mode, Map<Long, String> databases, Instant waitStart) {
        LockKey key = LockKey.fromPgLocks(r[1], r[2], (int) r[3]);
        return new AdvisoryLockRow((int) r[0], decoder.name(key), decoder.namespaceOf(key), mode(mode), r[4] == 1,
                databases.get(r[5]), waitStart);
    }

    private static String mode(String m) {
        return switch (m) {
            case "ExclusiveLock" -> "ExclusiveLock";
            case "ShareLock" -> "ShareLock";
            default -> m;
        };
    }

    private static Optional<List<StatementStat>> readStatements(Connection c) {
        List<StatementStat> out = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(STATEMENTS_SQL)) {
            while (rs.next()) {
                out.add(new StatementStat(rs.getString(1), rs.getLong(2), rs.getDouble(3), rs.getDouble(4)));
            }
            return Optional.of(out);
        } catch (SQLException e) {
            // installed but not loaded via shared_preload_libraries, or not readable: no section.
            return Optional.empty();
        }
    }

    private static SessionInfo session(int pid, Array info) throws SQLException {
        String[] f = text(info);
        boolean visible = !"<insufficient privilege>".equals(f[12]);
        List<Integer> blockers = f[14] == null || f[14].isEmpty() ? List.of()
                : Arrays.stream(f[14].split(",")).map(Integer::valueOf).toList();
        return new SessionInfo(pid, f[0], f[1], f[2], f[3], instant(f[4]), instant(f[5]), instant(f[6]),
                instant(f[7]), f[8], f[9], f[10], f[11], redact(f[12]), f[13], blockers, visible);
    }

    /** Masks string literals after PASSWORD (e.g. ALTER ROLE ... PASSWORD '...') in query texts. */
    static String redact(String query) {
        return query == null ? null : PASSWORD_LITERAL.matcher(query).replaceAll("$1'***'");
    }

    private static String[] text(Array a) throws SQLException {
        Object[] values = (Object[]) a.getArray();
        String[] out = new String[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (String) values[i];
        }
        return out;
    }

    private static Instant instant(String iso) {
        return iso == null ? null : OffsetDateTime.parse(iso).toInstant();
    }

    private static void requireResult(boolean isResultSet) {
        if (!isResultSet) {
            throw new InspectionException("the snapshot batch returned no result set where one was expected;"
                    + " is this a PostgreSQL server (not a pooler console)?", null);
        }
    }
}
