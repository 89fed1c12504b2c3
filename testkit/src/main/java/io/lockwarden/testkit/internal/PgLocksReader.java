package io.lockwarden.testkit.internal;

import io.lockwarden.LockKey;
import io.lockwarden.testkit.HeldAdvisoryLock;
import io.lockwarden.testkit.LockScope;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the granted advisory locks from {@code pg_locks} joined with {@code pg_stat_activity}, on a
 * connection the caller owns. Stateless and thread-safe.
 */
public final class PgLocksReader {
    private static final String SQL = """
            SELECT l.pid, l.classid::bigint AS classid, l.objid::bigint AS objid, l.objsubid::int AS objsubid,
                   l.mode, d.datname, a.usename, a.application_name, a.state, a.query
              FROM pg_locks l
              LEFT JOIN pg_database d ON d.oid = l.database
              LEFT JOIN pg_stat_activity a ON a.pid = l.pid
             WHERE l.locktype = 'advisory' AND l.granted
             ORDER BY l.pid, l.classid, l.objid, l.objsubid""";

    private PgLocksReader() {
    }

    /**
     * The granted advisory locks in scope, keys labelled as the scope knows them.
     *
     * @throws SQLException when the query fails (e.g. the connection is broken)
     */
    public static List<HeldAdvisoryLock> read(Connection connection, LockScope scope) throws SQLException {
        List<HeldAdvisoryLock> result = new ArrayList<>();
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(SQL)) {
            while (rs.next()) {
                String db = rs.getString("datname");
                String user = rs.getString("usename");
                String app = rs.getString("application_name");
                if (!scope.includes(db, user, app)) {
                    continue;
                }
                LockKey key = KeyLabels.resolve(LockKey.fromPgLocks(rs.getLong("classid"), rs.getLong("objid"),
                        rs.getInt("objsubid")), scope);
                result.add(new HeldAdvisoryLock(rs.getInt("pid"), key, KeyLabels.label(key, scope), rs.getString("mode"), db, user, app,
                        rs.getString("state"), rs.getString("query")));
            }
        }
        return result;
    }
}
