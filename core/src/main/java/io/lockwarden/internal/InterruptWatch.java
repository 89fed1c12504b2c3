package io.lockwarden.internal;

import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a blocking lock statement interruptible: JDBC blocks in a socket read that
 * {@link Thread#interrupt()} does not reach, so while the statement runs a background check cancels
 * it on the server ({@link Statement#cancel()}) within about 20 ms of the waiting thread being
 * interrupted.
 *
 * <p>Every running watch is checked by one shared tick on {@link LockwardenThreads#scheduler()}, which
 * runs every 20 ms while lock statements are being made and stops after a second without any. So
 * starting and closing a watch costs a set insertion and removal, never a hand-off to another thread:
 * scheduling a task per statement woke the scheduler thread on every lock, which on a busy machine cost
 * more than the rest of Lockwarden's bookkeeping together (see bench/RESULTS.md).
 *
 * <p>A watch is used by one statement, from the thread that executes it; {@link #close()} after the
 * statement returns. The static tick is thread-safe.
 */
final class InterruptWatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InterruptWatch.class);
    private static final long PERIOD_MILLIS = 20;
    /** Ticks with nothing to watch before the tick stops: one second. */
    private static final int IDLE_TICKS = 50;
    private static final Set<InterruptWatch> RUNNING = ConcurrentHashMap.newKeySet();
    private static final AtomicBoolean TICKING = new AtomicBoolean();
    private static final AtomicInteger IDLE = new AtomicInteger();

    private final Statement statement;
    private final Thread waiter;
    private boolean active = true;
    private boolean cancelled;

    private InterruptWatch(Statement statement) {
        this.statement = statement;
        this.waiter = Thread.currentThread();
    }

    /** Starts watching the current thread while it executes {@code statement}. */
    static InterruptWatch start(Statement statement) {
        InterruptWatch watch = new InterruptWatch(statement);
        RUNNING.add(watch);
        startTicking();
        return watch;
    }

    /** Whether the shared tick is running (for tests). */
    static boolean ticking() {
        return TICKING.get();
    }

    private static void startTicking() {
        if (!TICKING.get() && TICKING.compareAndSet(false, true)) {
            IDLE.set(0);
            LockwardenThreads.scheduler().schedule(InterruptWatch::tick, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    private static void tick() {
        try {
            for (InterruptWatch watch : RUNNING) {
                watch.check();
            }
        } finally {
            if (!RUNNING.isEmpty() || IDLE.incrementAndGet() < IDLE_TICKS) {
                if (!RUNNING.isEmpty()) {
                    IDLE.set(0);
                }
                LockwardenThreads.scheduler().schedule(InterruptWatch::tick, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
            } else {
                TICKING.set(false);
                // A watch started between the emptiness check and the flag being cleared saw the tick
                // running and did not start one: start it for that watch.
                if (!RUNNING.isEmpty()) {
                    startTicking();
                }
            }
        }
    }

    private synchronized void check() {
        if (active && !cancelled && waiter.isInterrupted()) {
            cancelled = true;
            try {
                statement.cancel();
            } catch (SQLException e) {
                LOG.warn("cannot cancel a lock wait after its thread {} was interrupted: {}", waiter.getName(),
                        e.toString());
            }
        }
    }

    /** Whether the statement was cancelled because the thread was interrupted. */
    synchronized boolean cancelled() {
        return cancelled;
    }

    @Override
    public synchronized void close() {
        active = false;
        RUNNING.remove(this);
    }
}
