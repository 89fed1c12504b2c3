package corpus.bad;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** Lock taken, work done, unlock at the end: an exception in rebuildIndex leaks the lock. */
public class JdbcLeakOnException {
    private static final String LOCK = "SELECT pg_advisory_lock(?)";
    private static final String UNLOCK = "SELECT pg_advisory_unlock(?)";

    void rebuild(Connection conn, long key) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(LOCK)) { // expect: LW101, LW104
            ps.setLong(1, key);
            ps.executeQuery();
        }
        rebuildIndex(conn);
        try (PreparedStatement ps = conn.prepareStatement(UNLOCK)) {
            ps.setLong(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next() || !rs.getBoolean(1)) {
                    throw new IllegalStateException("advisory lock " + key + " was not held");
                }
            }
        }
    }

    private void rebuildIndex(Connection conn) {
    }
}
