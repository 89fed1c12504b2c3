package io.lockwarden.guard.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.PreparedStatement;
import java.sql.ResultSet;

/**
 * The guard's proxy classes, for the statements it follows through a proxy (prepared statements that mention
 * advisory locks, callable statements) and the ResultSets whose try-lock results it reads, with their
 * constructors looked up once: {@link Proxy#newProxyInstance} resolves the proxy class and calls its
 * constructor reflectively each time. Immutable; thread-safe.
 */
enum ProxyType {
    PREPARED_STATEMENT(PreparedStatement.class),
    CALLABLE_STATEMENT(CallableStatement.class),
    RESULT_SET(ResultSet.class);

    private final Class<?> type;
    private final MethodHandle constructor;

    ProxyType(Class<?> type) {
        this.type = type;
        Class<?> proxyClass = Proxy.newProxyInstance(ProxyType.class.getClassLoader(), new Class<?>[] {type},
                (self, method, args) -> null).getClass();
        try {
            constructor = MethodHandles.publicLookup()
                    .findConstructor(proxyClass, MethodType.methodType(void.class, InvocationHandler.class))
                    .asType(MethodType.methodType(Object.class, InvocationHandler.class));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot look up the constructor of the " + type.getSimpleName()
                    + " proxy class; the JDK refused reflective access to jdk.proxy classes", e);
        }
    }

    /** A new proxy of this type calling {@code handler}. */
    Object create(InvocationHandler handler) {
        try {
            return constructor.invokeExact(handler);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("cannot create a " + type.getSimpleName() + " proxy", e);
        }
    }
}
