package io.lockwarden.internal;

import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The daemon threads Lockwarden runs background checks on (heartbeats of leader locks, interrupt
 * watches of waiting acquisitions). Four threads at most (a heartbeat on a dead network blocks one for up to half an interval), started on first use and ended after 30 s
 * without work, so an application that never uses these features never sees them. Thread-safe.
 */
public final class LockwardenThreads {
    private static final AtomicInteger COUNT = new AtomicInteger();
    private static final ScheduledThreadPoolExecutor SCHEDULER = create();

    private LockwardenThreads() {
    }

    /** The shared scheduler. */
    public static ScheduledThreadPoolExecutor scheduler() {
        return SCHEDULER;
    }

    private static ScheduledThreadPoolExecutor create() {
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, "lockwarden-" + COUNT.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(4, factory);
        executor.setRemoveOnCancelPolicy(true);
        executor.setKeepAliveTime(30, TimeUnit.SECONDS);
        executor.allowCoreThreadTimeOut(true);
        return executor;
    }
}
