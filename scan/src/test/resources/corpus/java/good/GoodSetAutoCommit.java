package corpus.good;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import javax.sql.DataSource;

public class GoodSetAutoCommit {
    private final DataSource dataSource;

    GoodSetAutoCommit(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    void transfer(long accountId) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement timeout = c.prepareStatement("SELECT set_config('lock_timeout', '5s', true)");
                 PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
                timeout.executeQuery();
                lock.setLong(1, accountId);
                lock.executeQuery();
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        }
    }
}
