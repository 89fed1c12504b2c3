package io.lockwarden.guard.internal;

import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.util.Optional;

/** Finds the application's own frame on the stack, and whether a pool is returning the connection. */
final class CallSites {
    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);
    private static final String[] INFRASTRUCTURE = {"io.lockwarden.guard.internal.", "java.", "javax.", "jdk.",
        "sun.", "com.sun.", "com.zaxxer.hikari.", "org.postgresql.", "org.apache.commons.dbcp2.", "com.mchange.",
        "org.apache.tomcat.jdbc.", "io.agroal."};

    private CallSites() {
    }

    /** The first frame outside the guard, the JDK, pgjdbc and the common pools: where the application called. */
    static String application() {
        Optional<StackTraceElement> frame = WALKER.walk(s -> s.filter(f -> !infrastructure(f.getClassName()))
                .findFirst().map(StackWalker.StackFrame::toStackTraceElement));
        return frame.map(StackTraceElement::toString).orElse("an unknown call site");
    }

    /** A stack trace without the guard's own frames and its proxies': it starts where the application called. */
    static StackTraceElement[] withoutGuardFrames(StackTraceElement[] trace) {
        int from = 0;
        while (from < trace.length && (trace[from].getClassName().startsWith(INFRASTRUCTURE[0])
                || trace[from].getClassName().contains("$Proxy"))) {
            from++;
        }
        return java.util.Arrays.copyOfRange(trace, from, trace.length);
    }

    private static boolean infrastructure(String className) {
        for (String prefix : INFRASTRUCTURE) {
            if (className.startsWith(prefix)) {
                return true;
            }
        }
        return className.contains("$Proxy");
    }

    /**
     * Whether this call comes from inside a pool's own {@code Connection.close()}: the pool is resetting the
     * physical connection it got back (HikariCP calls {@code clearWarnings()} there on every return).
     */
    static boolean insidePoolClose() {
        return WALKER.walk(s -> s.limit(24).anyMatch(f -> f.getMethodName().equals("close")
                && Connection.class.isAssignableFrom(f.getDeclaringClass())
                && !Proxy.isProxyClass(f.getDeclaringClass())
                && !f.getClassName().startsWith(INFRASTRUCTURE[0])));
    }
}
