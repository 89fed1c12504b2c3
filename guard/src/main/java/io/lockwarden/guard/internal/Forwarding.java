package io.lockwarden.guard.internal;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * Base of the guard's JDBC proxies: forwards calls to the wrapped object, answers the {@link Object} methods by
 * identity and {@code unwrap}/{@code isWrapperFor} for the proxy's own interface. Subclasses intercept what
 * they need first. Thread-safe as far as this class goes.
 */
public abstract class Forwarding implements InvocationHandler {
    private final Object target;

    /** Forwards to {@code target}. */
    protected Forwarding(Object target) {
        this.target = target;
    }

    /** Answers the Object and Wrapper methods, else forwards the call to the target. */
    protected final Object forwardOrAnswer(Object self, Method method, Object[] args) throws Throwable {
        switch (method.getName()) {
            case "equals":
                if (args != null && args.length == 1) {
                    return self == args[0];
                }
                break;
            case "hashCode":
                if (args == null) {
                    return System.identityHashCode(self);
                }
                break;
            case "toString":
                if (args == null) {
                    return "Lockwarden-guarded " + target;
                }
                break;
            case "unwrap":
                if (((Class<?>) args[0]).isInstance(self)) {
                    return self;
                }
                break;
            case "isWrapperFor":
                if (((Class<?>) args[0]).isInstance(self)) {
                    return true;
                }
                break;
            default:
                break;
        }
        return forward(method, args);
    }

    /** Calls the method on the target, rethrowing what it throws as itself. */
    protected final Object forward(Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
