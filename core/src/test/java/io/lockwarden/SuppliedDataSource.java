package io.lockwarden;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A DataSource whose connections come from a test-supplied function, for tests that need to control
 * exactly which connection the library gets (one shared connection, a stand-in for another database).
 * Everything else a DataSource has is inert. Thread-safe if the supplier is.
 */
final class SuppliedDataSource implements DataSource {
    /** Makes (or hands out) the next connection. */
    @FunctionalInterface
    interface ConnectionSupplier {
        Connection get() throws SQLException;
    }

    private final ConnectionSupplier connections;

    SuppliedDataSource(ConnectionSupplier connections) {
        this.connections = connections;
    }

    @Override
    public Connection getConnection() throws SQLException {
        return connections.get();
    }

    @Override
    public Connection getConnection(String user, String password) throws SQLException {
        return getConnection();
    }

    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
    }

    @Override
    public void setLoginTimeout(int seconds) {
    }

    @Override
    public int getLoginTimeout() {
        return 0;
    }

    @Override
    public Logger getParentLogger() {
        return Logger.getGlobal();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        throw new SQLException("not a wrapper");
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return false;
    }
}
