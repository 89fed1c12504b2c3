package io.lockwarden.internal;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A pool-facing {@link DataSource} wrapper: every connection it hands out remembers the session
 * locks taken on it through Lockwarden, and when the application closes it (returns it to the pool)
 * releases and reports those still held, before the pool sees it. The application side of
 * PgBouncer's {@code server_reset_query}. Costs nothing on connections that took no lock.
 * Thread-safe when the wrapped pool is.
 */
public final class GuardedDataSource implements DataSource {
    private final DataSource pool;

    /** Wraps a pool. */
    public GuardedDataSource(DataSource pool) {
        this.pool = pool;
    }

    @Override
    public Connection getConnection() throws SQLException {
        return guard(pool.getConnection());
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return guard(pool.getConnection(username, password));
    }

    private static Connection guard(Connection raw) {
        return (Connection) Proxy.newProxyInstance(GuardedDataSource.class.getClassLoader(),
                new Class<?>[] {Connection.class, GuardedConnection.class}, new Handler(raw));
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return pool.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        pool.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        pool.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return pool.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return pool.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        return iface.isInstance(this) ? iface.cast(this) : pool.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return iface.isInstance(this) || pool.isWrapperFor(iface);
    }

    @Override
    public String toString() {
        return "Lockwarden guard around " + pool;
    }

    private static final class Handler implements InvocationHandler {
        private final Connection raw;
        private final LockLedger ledger = new LockLedger();

        Handler(Connection raw) {
            this.raw = raw;
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            switch (method.getName()) {
                case "lockLedger":
                    return ledger;
                case "equals":
                    return proxy == args[0];
                case "hashCode":
                    return System.identityHashCode(proxy);
                case "toString":
                    return "guarded " + raw;
                case "close":
                    if (!raw.isClosed()) {
                        ledger.releaseAll(raw);
                    }
                    break;
                default:
                    break;
            }
            try {
                return method.invoke(raw, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }
    }
}
