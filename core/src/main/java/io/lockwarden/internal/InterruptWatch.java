package io.lockwarden.internal;

import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a blocking lock statement interruptible: JDBC blocks in a socket read that
 * {@link Thread#interrupt()} does not reach, so while the statement runs a background check cancels
 * it on the server ({@link Statement#cancel()}) as soon as the waiting thread is interrupted.
 * Used by one statement, from the thread that executes it; {@link #close()} after the statement returns.
 */
final class InterruptWatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InterruptWatch.class);
    private static final long PERIOD_MILLIS = 20;

    private final Statement statement;
    private final Thread waiter;
    private final ScheduledFuture<?> future;
    private boolean active = true;
    private boolean cancelled;

    private InterruptWatch(Statement statement) {
        this.statement = statement;
        this.waiter = Thread.currentThread();
        this.future = LockwardenThreads.scheduler().scheduleWithFixedDelay(this::check, PERIOD_MILLIS,
                PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Starts watching the current thread while it executes {@code statement}. */
    static InterruptWatch start(Statement statement) {
        return new InterruptWatch(statement);
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
        future.cancel(false);
    }
}
