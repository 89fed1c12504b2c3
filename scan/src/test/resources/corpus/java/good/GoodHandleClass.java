package corpus.good;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** A handle: the constructor locks, close() unlocks; callers use try-with-resources. */
final class GoodHandleClass implements AutoCloseable {
    private final Connection connection;
    private final long key;

    GoodHandleClass(Connection connection, long key) throws SQLException {
        this.connection = connection;
        this.key = key;
        try (Statement st = connection.createStatement()) {
            st.execute("SET lock_timeout = '3s'");
            st.executeQuery("SELECT pg_advisory_lock(" + key + ")");
        }
    }

    @Override
    public void close() throws SQLException {
        try (Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_advisory_unlock(" + key + ")")) {
            if (!rs.next() || !rs.getBoolean(1)) {
                throw new IllegalStateException("lock " + key + " was not held");
            }
        }
    }
}
