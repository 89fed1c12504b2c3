package corpus.bad;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

public class MismatchedUnlock {
    void sync(Connection c, long accountId, long batchId) throws SQLException {
        try (Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT pg_try_advisory_lock(" + accountId + ")")) {
                if (!rs.next() || !rs.getBoolean(1)) {
                    return;
                }
            }
            try {
                doSync(c);
            } finally {
                try (ResultSet rs = st.executeQuery("SELECT pg_advisory_unlock(" + batchId + ")")) { // expect: LW107
                    if (!rs.next() || !rs.getBoolean(1)) {
                        throw new IllegalStateException("lock " + batchId + " was not held");
                    }
                }
            }
        }
    }

    private void doSync(Connection c) {
    }
}
