package io.lockwarden.guard.internal;

import java.lang.reflect.Method;
import java.sql.CallableStatement;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Stands in front of one Statement, PreparedStatement or CallableStatement of a guarded connection: statements
 * whose text does not mention advisory locks go straight to the driver; the others have their advisory calls
 * applied to the connection's {@link LockTracker} once they succeed, with bound parameters, batches and
 * {@code pg_try_*} results read from the ResultSet (or the out parameter). Used by one thread at a time, as
 * JDBC statements are.
 */
final class StatementGuard extends Forwarding {
    private record BatchEntry(StatementPlan plan, Map<Integer, Object> params) {
    }

    private final Statement raw;
    private final ConnectionGuard connection;
    private final StatementPlan prepared;
    private Map<Integer, Object> params;
    private List<BatchEntry> batch;
    private Execution last;
    private int resultIndex;
    private Object proxy;

    private StatementGuard(Statement raw, ConnectionGuard connection, StatementPlan prepared) {
        super(raw);
        this.raw = raw;
        this.connection = connection;
        this.prepared = prepared;
        this.params = prepared.usesParameters() ? new HashMap<>() : null;
    }

    /** Wraps a statement; {@code prepared} is the plan of a prepared statement's text, else NONE. */
    static Object wrap(Statement raw, ConnectionGuard connection, StatementPlan prepared, ProxyType type) {
        StatementGuard g = new StatementGuard(raw, connection, prepared);
        g.proxy = type.create(g);
        return g.proxy;
    }

    @Override
    public Object invoke(Object self, Method method, Object[] args) throws Throwable {
        String name = method.getName();
        switch (name) {
            case "execute", "executeQuery", "executeUpdate", "executeLargeUpdate":
                return execute(method, args);
            case "executeBatch", "executeLargeBatch":
                return executeBatch(method);
            case "addBatch":
                addBatch(args);
                break;
            case "clearBatch":
                batch = null;
                break;
            case "clearParameters":
                if (params != null) {
                    params.clear();
                }
                break;
            case "getResultSet":
                return result((ResultSet) forward(method, args));
            case "getMoreResults":
                resultIndex++;
                break;
            case "getConnection":
                return connection.proxy();
            case "close":
                if (args == null) {
                    raw.close();
                    return null;
                }
                break;
            case "setInt", "setLong", "setString":
                // the common binds directly: a reflective call per bind is most of what the guard costs
                if (params == null && raw instanceof PreparedStatement ps && args[0] instanceof Integer index) {
                    bind(ps, name, index, args[1]);
                    return null;
                }
                remember(name, args);
                break;
            default:
                remember(name, args);
                break;
        }
        return forwardOrAnswer(self, method, args);
    }

    private void remember(String name, Object[] args) {
        if (params != null && args != null && args.length >= 2 && args[0] instanceof Integer i
                && name.startsWith("set")) {
            params.put(i, name.equals("setNull") ? null : args[1]);
        }
    }

    private static void bind(PreparedStatement ps, String name, int index, Object value) throws SQLException {
        switch (name) {
            case "setInt" -> ps.setInt(index, (Integer) value);
            case "setLong" -> ps.setLong(index, (Long) value);
            default -> ps.setString(index, (String) value);
        }
    }

    private Object executeDirectly(Method method, Object[] args) throws Throwable {
        if (args == null && raw instanceof PreparedStatement ps) {
            switch (method.getName()) {
                case "executeQuery":
                    return ps.executeQuery();
                case "executeUpdate":
                    return ps.executeUpdate();
                case "execute":
                    return ps.execute();
                default:
                    break;
            }
        }
        return forward(method, args);
    }

    private Object execute(Method method, Object[] args) throws Throwable {
        StatementPlan plan = args != null && args.length > 0 && args[0] instanceof String sql
                ? SqlScanner.plan(sql) : prepared;
        if (!plan.relevant()) {
            last = null;
            return executeDirectly(method, args);
        }
        connection.beforeLocking(plan, params);
        Object result;
        try {
            result = forward(method, args);
        } catch (SQLException e) {
            connection.tracker().unfollowed(ConnectionGuard.site());
            throw e;
        }
        last = connection.applied(plan, params, true);
        resultIndex = 0;
        if (raw instanceof CallableStatement cs) {
            last.readOutParameter(cs, connection.tracker());
        }
        return result instanceof ResultSet rs ? result(rs) : result;
    }

    private void addBatch(Object[] args) {
        StatementPlan plan = args != null && args.length == 1 && args[0] instanceof String sql
                ? SqlScanner.plan(sql) : prepared;
        if (batch == null) {
            batch = new ArrayList<>();
        }
        batch.add(new BatchEntry(plan, params == null ? null : new HashMap<>(params)));
    }

    private Object executeBatch(Method method) throws Throwable {
        List<BatchEntry> entries = batch == null ? List.of() : batch;
        batch = null;
        boolean relevant = false;
        for (BatchEntry e : entries) {
            if (e.plan().relevant()) {
                connection.beforeLocking(e.plan(), e.params());
                relevant = true;
            }
        }
        if (!relevant) {
            return forward(method, null);
        }
        Object result;
        try {
            result = forward(method, null);
        } catch (SQLException e) {
            connection.tracker().unfollowed(ConnectionGuard.site()); // entries that ran count on the server
            throw e;
        }
        for (BatchEntry e : entries) {
            if (e.plan().relevant()) {
                connection.applied(e.plan(), e.params(), false);
            }
        }
        return result;
    }

    private ResultSet result(ResultSet rs) {
        if (rs == null || last == null || !last.hasPendingTries(resultIndex)) {
            return rs;
        }
        return last.watch(rs, resultIndex, connection.tracker(), proxy);
    }
}
