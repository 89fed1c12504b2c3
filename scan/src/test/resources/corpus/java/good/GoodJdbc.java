package corpus.good;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

public class GoodJdbc {
    void rebuild(Connection conn, long key) throws SQLException {
        try (Statement st = conn.createStatement()) {
            st.execute("SET lock_timeout = '5s'");
        }
        try (PreparedStatement ps = conn.prepareStatement("SELECT pg_advisory_lock(?)")) {
            ps.setLong(1, key);
            ps.executeQuery();
        }
        try {
            rebuildIndex(conn);
        } finally {
            try (PreparedStatement ps = conn.prepareStatement("SELECT pg_advisory_unlock(?)")) {
                ps.setLong(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next() || !rs.getBoolean(1)) {
                        throw new IllegalStateException("lock " + key + " was not held by this session");
                    }
                }
            }
        }
    }

    private void rebuildIndex(Connection conn) {
    }
}
