package corpus.bad;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

public class ConstantFromOtherFile {
    void refresh(Connection c, long key) throws SQLException {
        PreparedStatement ps = c.prepareStatement(LockQueries.LOCK); // expect: LW101, LW104
        ps.setLong(1, key);
        ps.execute();
        refreshView(c);
    }

    private void refreshView(Connection c) {
    }
}
