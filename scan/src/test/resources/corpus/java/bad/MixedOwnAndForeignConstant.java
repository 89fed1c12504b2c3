package corpus.bad;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

/** Mentions advisory locks itself, and also uses another file's lock constant in a method that does not. */
public class MixedOwnAndForeignConstant {
    void release(Connection c, long key) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SELECT pg_advisory_unlock_all()");
        }
    }

    void rebuild(Connection c, long key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(LockQueries.LOCK)) { // expect: LW101, LW104
            ps.setLong(1, key);
            ps.execute();
        }
        rebuildIndex(c);
    }

    private void rebuildIndex(Connection c) {
    }
}
