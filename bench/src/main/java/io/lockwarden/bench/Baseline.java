package io.lockwarden.bench;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;

/** What the lock-reading benchmarks measure against: the bare {@code pg_locks} read, and their medians. Stateless. */
final class Baseline {
    private Baseline() {
    }

    /** {@code SELECT * FROM pg_locks WHERE locktype = 'advisory'}, read to the last column; returns the row count. */
    static int pgLocksRead(Connection c) throws SQLException {
        int rows = 0;
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT * FROM pg_locks WHERE locktype = 'advisory'")) {
            ResultSetMetaData md = rs.getMetaData();
            int n = md.getColumnCount();
            while (rs.next()) {
                for (int i = 1; i <= n; i++) {
                    rs.getObject(i);
                }
                rows++;
            }
        }
        return rows;
    }

    /** The median of the values. */
    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
