package corpus.bad;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

public class UnlockResultIgnored {
    void release(Connection c, long key) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SELECT pg_advisory_unlock(" + key + ")"); // expect: LW105
        }
    }
}
