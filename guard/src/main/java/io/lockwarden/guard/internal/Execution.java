package io.lockwarden.guard.internal;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code pg_try_*} calls of one execution whose outcome is in its results: a column of the first row of
 * a statement's ResultSet, or a CallableStatement's out parameter. They count as held once read as true;
 * never read, they leave the connection to the {@code pg_locks} check at return. Used by one thread.
 */
final class Execution {
    private record Pending(AdvisoryCall call, LockTracker.PendingTry attempt) {
    }

    private final List<Pending> pending = new ArrayList<>();

    void add(AdvisoryCall call, LockTracker.PendingTry attempt) {
        pending.add(new Pending(call, attempt));
    }

    boolean hasPendingTries(int segment) {
        for (Pending p : pending) {
            if (p.call().segment() == segment && p.call().column() > 0) {
                return true;
            }
        }
        return false;
    }

    void readOutParameter(CallableStatement cs, LockTracker tracker) {
        for (Pending p : pending) {
            if (p.call().outParam()) {
                try {
                    boolean acquired = cs.getBoolean(1);
                    if (!cs.wasNull()) {
                        tracker.resolve(p.attempt(), acquired);
                    }
                } catch (SQLException e) {
                    // not registered as an out parameter: the pg_locks check at return settles it
                }
            }
        }
    }

    /** A ResultSet that reads the try-lock columns of segment {@code segment} on its first row. */
    ResultSet watch(ResultSet raw, int segment, LockTracker tracker, Object statement) {
        List<Pending> mine = new ArrayList<>();
        for (Pending p : pending) {
            if (p.call().segment() == segment && p.call().column() > 0) {
                mine.add(p);
            }
        }
        InvocationHandler h = new Forwarding(raw) {
            private boolean read;

            @Override
            public Object invoke(Object self, Method method, Object[] args) throws Throwable {
                if (method.getName().equals("getStatement")) {
                    return statement;
                }
                Object result = forwardOrAnswer(self, method, args);
                if (!read && method.getName().equals("next") && Boolean.TRUE.equals(result)) {
                    read = true;
                    for (Pending p : mine) {
                        boolean acquired = raw.getBoolean(p.call().column());
                        if (!raw.wasNull()) {
                            tracker.resolve(p.attempt(), acquired);
                        }
                    }
                }
                return result;
            }
        };
        return (ResultSet) Proxy.newProxyInstance(Execution.class.getClassLoader(), new Class<?>[] {ResultSet.class}, h);
    }
}
