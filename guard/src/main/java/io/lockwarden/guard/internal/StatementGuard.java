package io.lockwarden.guard.internal;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

/**
 * Stands in front of a PreparedStatement whose text mentions advisory locks, or of a CallableStatement, of a
 * guarded connection, as a proxy: it records every bound parameter (there are dozens of setters) so that bound
 * keys are known, and its {@link StatementTracking} follows runs, batches and {@code pg_try_*} results. Used by
 * one thread at a time, as JDBC statements are.
 */
final class StatementGuard extends Forwarding {
    private final Statement raw;
    private final ConnectionGuard connection;
    private final StatementPlan prepared;
    private final StatementTracking tracking;
    private final Map<Integer, Object> params;
    private Object proxy;

    private StatementGuard(Statement raw, ConnectionGuard connection, StatementPlan prepared) {
        super(raw);
        this.raw = raw;
        this.connection = connection;
        this.prepared = prepared;
        this.tracking = new StatementTracking(connection);
        this.params = prepared.usesParameters() ? new HashMap<>() : null;
    }

    /** Wraps a statement of type {@code type}; {@code prepared} is the plan of its text. */
    static Object wrap(Statement raw, ConnectionGuard connection, StatementPlan prepared, Class<?> type) {
        StatementGuard g = new StatementGuard(raw, connection, prepared);
        g.proxy = Proxy.newProxyInstance(StatementGuard.class.getClassLoader(), new Class<?>[] {type}, g);
        return g.proxy;
    }

    @Override
    public Object invoke(Object self, Method method, Object[] args) throws Throwable {
        String name = method.getName();
        switch (name) {
            case "execute", "executeQuery", "executeUpdate", "executeLargeUpdate":
                return tracking.run(plan(args), params, raw, proxy, () -> forward(method, args));
            case "executeBatch", "executeLargeBatch":
                return tracking.runBatch(() -> forward(method, null));
            case "addBatch":
                tracking.addBatch(plan(args), params);
                break;
            case "clearBatch":
                tracking.clearBatch();
                break;
            case "clearParameters":
                if (params != null) {
                    params.clear();
                }
                break;
            case "getResultSet":
                return tracking.result((ResultSet) forward(method, args), proxy);
            case "getMoreResults":
                tracking.nextResult();
                break;
            case "getConnection":
                return connection;
            default:
                if (params != null && args != null && args.length >= 2 && args[0] instanceof Integer i
                        && name.startsWith("set")) {
                    params.put(i, name.equals("setNull") ? null : args[1]);
                }
                break;
        }
        return forwardOrAnswer(self, method, args);
    }

    /** The plan of a text passed to the call ({@code execute(String)}, {@code addBatch(String)}), else the statement's. */
    private StatementPlan plan(Object[] args) {
        return args != null && args.length > 0 && args[0] instanceof String sql ? SqlScanner.plan(sql) : prepared;
    }
}
