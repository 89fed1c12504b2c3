package corpus.bad;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

public class RandomKey {
    boolean migrate(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_try_advisory_xact_lock(8347261095)")) { // expect: LW106
            return rs.next() && rs.getBoolean(1);
        }
    }
}
