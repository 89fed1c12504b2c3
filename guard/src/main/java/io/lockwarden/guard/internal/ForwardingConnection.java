package io.lockwarden.guard.internal;

import java.sql.Array;
import java.sql.Blob;
import java.sql.CallableStatement;
import java.sql.Clob;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.NClob;
import java.sql.PreparedStatement;
import java.sql.SQLClientInfoException;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.SQLXML;
import java.sql.Savepoint;
import java.sql.ShardingKey;
import java.sql.Statement;
import java.sql.Struct;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executor;

/**
 * A Connection that forwards every call to another as a plain call, which the JIT inlines; {@link ConnectionGuard}
 * overrides what it watches. A {@code java.lang.reflect.Proxy} here cost 2.5-3% of the client's CPU per statement
 * of a simple query loop, more than issue 15 allows the whole guard. Thread-safe as far as the delegate is.
 */
abstract class ForwardingConnection implements Connection {
    private final Connection delegate;

    ForwardingConnection(Connection delegate) {
        this.delegate = delegate;
    }

    /** This object when it is an {@code iface}, else what the delegate unwraps to. */
    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        return iface.isInstance(this) ? iface.cast(this) : delegate.unwrap(iface);
    }

    /** True when this object or the delegate is an {@code iface}. */
    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return iface.isInstance(this) || delegate.isWrapperFor(iface);
    }

    @Override
    public void abort(Executor p1) throws SQLException {
        delegate.abort(p1);
    }

    @Override
    public void beginRequest() throws SQLException {
        delegate.beginRequest();
    }

    @Override
    public void clearWarnings() throws SQLException {
        delegate.clearWarnings();
    }

    @Override
    public void close() throws SQLException {
        delegate.close();
    }

    @Override
    public void commit() throws SQLException {
        delegate.commit();
    }

    @Override
    public Array createArrayOf(String p1, Object[] p2) throws SQLException {
        return delegate.createArrayOf(p1, p2);
    }

    @Override
    public Blob createBlob() throws SQLException {
        return delegate.createBlob();
    }

    @Override
    public Clob createClob() throws SQLException {
        return delegate.createClob();
    }

    @Override
    public NClob createNClob() throws SQLException {
        return delegate.createNClob();
    }

    @Override
    public SQLXML createSQLXML() throws SQLException {
        return delegate.createSQLXML();
    }

    @Override
    public Statement createStatement() throws SQLException {
        return delegate.createStatement();
    }

    @Override
    public Statement createStatement(int p1, int p2, int p3) throws SQLException {
        return delegate.createStatement(p1, p2, p3);
    }

    @Override
    public Statement createStatement(int p1, int p2) throws SQLException {
        return delegate.createStatement(p1, p2);
    }

    @Override
    public Struct createStruct(String p1, Object[] p2) throws SQLException {
        return delegate.createStruct(p1, p2);
    }

    @Override
    public void endRequest() throws SQLException {
        delegate.endRequest();
    }

    @Override
    public boolean getAutoCommit() throws SQLException {
        return delegate.getAutoCommit();
    }

    @Override
    public String getCatalog() throws SQLException {
        return delegate.getCatalog();
    }

    @Override
    public Properties getClientInfo() throws SQLException {
        return delegate.getClientInfo();
    }

    @Override
    public String getClientInfo(String p1) throws SQLException {
        return delegate.getClientInfo(p1);
    }

    @Override
    public int getHoldability() throws SQLException {
        return delegate.getHoldability();
    }

    @Override
    public DatabaseMetaData getMetaData() throws SQLException {
        return delegate.getMetaData();
    }

    @Override
    public int getNetworkTimeout() throws SQLException {
        return delegate.getNetworkTimeout();
    }

    @Override
    public String getSchema() throws SQLException {
        return delegate.getSchema();
    }

    @Override
    public int getTransactionIsolation() throws SQLException {
        return delegate.getTransactionIsolation();
    }

    @Override
    public Map<String, Class<?>> getTypeMap() throws SQLException {
        return delegate.getTypeMap();
    }

    @Override
    public SQLWarning getWarnings() throws SQLException {
        return delegate.getWarnings();
    }

    @Override
    public boolean isClosed() throws SQLException {
        return delegate.isClosed();
    }

    @Override
    public boolean isReadOnly() throws SQLException {
        return delegate.isReadOnly();
    }

    @Override
    public boolean isValid(int p1) throws SQLException {
        return delegate.isValid(p1);
    }

    @Override
    public String nativeSQL(String p1) throws SQLException {
        return delegate.nativeSQL(p1);
    }

    @Override
    public CallableStatement prepareCall(String p1, int p2, int p3, int p4) throws SQLException {
        return delegate.prepareCall(p1, p2, p3, p4);
    }

    @Override
    public CallableStatement prepareCall(String p1, int p2, int p3) throws SQLException {
        return delegate.prepareCall(p1, p2, p3);
    }

    @Override
    public CallableStatement prepareCall(String p1) throws SQLException {
        return delegate.prepareCall(p1);
    }

    @Override
    public PreparedStatement prepareStatement(String p1, int[] p2) throws SQLException {
        return delegate.prepareStatement(p1, p2);
    }

    @Override
    public PreparedStatement prepareStatement(String p1, String[] p2) throws SQLException {
        return delegate.prepareStatement(p1, p2);
    }

    @Override
    public PreparedStatement prepareStatement(String p1, int p2, int p3, int p4) throws SQLException {
        return delegate.prepareStatement(p1, p2, p3, p4);
    }

    @Override
    public PreparedStatement prepareStatement(String p1, int p2, int p3) throws SQLException {
        return delegate.prepareStatement(p1, p2, p3);
    }

    @Override
    public PreparedStatement prepareStatement(String p1, int p2) throws SQLException {
        return delegate.prepareStatement(p1, p2);
    }

    @Override
    public PreparedStatement prepareStatement(String p1) throws SQLException {
        return delegate.prepareStatement(p1);
    }

    @Override
    public void releaseSavepoint(Savepoint p1) throws SQLException {
        delegate.releaseSavepoint(p1);
    }

    @Override
    public void rollback() throws SQLException {
        delegate.rollback();
    }

    @Override
    public void rollback(Savepoint p1) throws SQLException {
        delegate.rollback(p1);
    }

    @Override
    public void setAutoCommit(boolean p1) throws SQLException {
        delegate.setAutoCommit(p1);
    }

    @Override
    public void setCatalog(String p1) throws SQLException {
        delegate.setCatalog(p1);
    }

    @Override
    public void setClientInfo(String p1, String p2) throws SQLClientInfoException {
        delegate.setClientInfo(p1, p2);
    }

    @Override
    public void setClientInfo(Properties p1) throws SQLClientInfoException {
        delegate.setClientInfo(p1);
    }

    @Override
    public void setHoldability(int p1) throws SQLException {
        delegate.setHoldability(p1);
    }

    @Override
    public void setNetworkTimeout(Executor p1, int p2) throws SQLException {
        delegate.setNetworkTimeout(p1, p2);
    }

    @Override
    public void setReadOnly(boolean p1) throws SQLException {
        delegate.setReadOnly(p1);
    }

    @Override
    public Savepoint setSavepoint() throws SQLException {
        return delegate.setSavepoint();
    }

    @Override
    public Savepoint setSavepoint(String p1) throws SQLException {
        return delegate.setSavepoint(p1);
    }

    @Override
    public void setSchema(String p1) throws SQLException {
        delegate.setSchema(p1);
    }

    @Override
    public void setShardingKey(ShardingKey p1, ShardingKey p2) throws SQLException {
        delegate.setShardingKey(p1, p2);
    }

    @Override
    public void setShardingKey(ShardingKey p1) throws SQLException {
        delegate.setShardingKey(p1);
    }

    @Override
    public boolean setShardingKeyIfValid(ShardingKey p1, int p2) throws SQLException {
        return delegate.setShardingKeyIfValid(p1, p2);
    }

    @Override
    public boolean setShardingKeyIfValid(ShardingKey p1, ShardingKey p2, int p3) throws SQLException {
        return delegate.setShardingKeyIfValid(p1, p2, p3);
    }

    @Override
    public void setTransactionIsolation(int p1) throws SQLException {
        delegate.setTransactionIsolation(p1);
    }

    @Override
    public void setTypeMap(Map<String, Class<?>> p1) throws SQLException {
        delegate.setTypeMap(p1);
    }
}
