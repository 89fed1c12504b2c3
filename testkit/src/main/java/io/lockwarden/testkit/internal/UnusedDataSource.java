package io.lockwarden.testkit.internal;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;
import javax.sql.DataSource;

/** A placeholder for APIs that want a DataSource when only an existing connection is used; never connects. */
final class UnusedDataSource implements DataSource {
    @Override
    public Connection getConnection() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("the leak check reads over its own connection only");
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLFeatureNotSupportedException {
        return getConnection();
    }

    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        // not used
    }

    @Override
    public void setLoginTimeout(int seconds) {
        // not used
    }

    @Override
    public int getLoginTimeout() {
        return 0;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("no parent logger");
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("not a wrapper");
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return false;
    }
}
