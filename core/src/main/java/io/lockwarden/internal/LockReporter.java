package io.lockwarden.internal;

import io.lockwarden.AdvisoryLocks;
import io.lockwarden.LockEvent;
import io.lockwarden.LockListener;
import io.lockwarden.LockLostException;
import io.lockwarden.LockwardenException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports lock events to SLF4J (logger {@code io.lockwarden.AdvisoryLocks}: DEBUG for normal events,
 * WARN for problems) and to the configured {@link LockListener}, and measures times with the
 * configured {@link Clock}. A listener that throws is logged and ignored. Thread-safe.
 */
public final class LockReporter {
    private static final Logger LOG = LoggerFactory.getLogger(AdvisoryLocks.class);

    private final LockListener listener;
    private final Clock clock;

    /** Creates a reporter for a listener and a clock. */
    public LockReporter(LockListener listener, Clock clock) {
        this.listener = listener;
        this.clock = clock;
    }

    /** The current instant of the configured clock. */
    public Instant now() {
        return clock.instant();
    }

    /** Time elapsed since {@code start} by the configured clock (never negative). */
    public Duration since(Instant start) {
        Duration d = Duration.between(start, clock.instant());
        return d.isNegative() ? Duration.ZERO : d;
    }

    /** Reports an acquisition. */
    public void acquired(LockEvent e) {
        if (LOG.isDebugEnabled()) {
            LOG.debug("acquired {} {} lock {} on pid {} after waiting {} ms", e.scope().name().toLowerCase(),
                    e.mode().name().toLowerCase(), e.key().label(), e.pid(), e.waited().toMillis());
        }
        try {
            listener.acquired(e);
        } catch (RuntimeException ex) {
            listenerFailed(ex);
        }
    }

    /** Reports a normal release. */
    public void released(LockEvent e) {
        if (LOG.isDebugEnabled()) {
            LOG.debug("released {} {} lock {} on pid {} after holding it {} ms", e.scope().name().toLowerCase(),
                    e.mode().name().toLowerCase(), e.key().label(), e.pid(), e.held().toMillis());
        }
        try {
            listener.released(e);
        } catch (RuntimeException ex) {
            listenerFailed(ex);
        }
    }

    /** Reports a failed acquisition; busy try-locks are DEBUG, everything else WARN. */
    public void failed(LockEvent e, LockwardenException cause, boolean expected) {
        if (expected) {
            LOG.debug("{} lock {} not acquired after {} ms: {}", e.scope().name().toLowerCase(), e.key().label(),
                    e.waited().toMillis(), cause.getMessage());
        } else {
            LOG.warn("{} lock {} failed: {}", e.scope().name().toLowerCase(), e.key().label(), cause.getMessage());
        }
        try {
            listener.failed(e, cause);
        } catch (RuntimeException ex) {
            listenerFailed(ex);
        }
    }

    /** Reports a lost lock at WARN. */
    public void lost(LockEvent e, LockLostException cause) {
        LOG.warn("{} (held {} ms)", cause.getMessage(), e.held().toMillis());
        try {
            listener.lost(e, cause);
        } catch (RuntimeException ex) {
            listenerFailed(ex);
        }
    }

    /** Reports at WARN a lock released by a safety net, with the stack trace of its acquisition. */
    public void abandoned(LockEvent e, Throwable acquiredAt, String why) {
        LOG.warn("{} lock {} on pid {} was still held after {} ms when {}; Lockwarden released it. Close the "
                        + "handle (try-with-resources) where it was acquired:", e.scope().name().toLowerCase(),
                e.key(), e.pid(), e.held().toMillis(), why, acquiredAt);
        try {
            listener.abandoned(e, acquiredAt);
        } catch (RuntimeException ex) {
            listenerFailed(ex);
        }
    }

    /** Logs a problem at WARN. */
    public void warn(String message, Object... args) {
        LOG.warn(message, args);
    }

    private static void listenerFailed(RuntimeException ex) {
        LOG.warn("a LockListener threw; ignored", ex);
    }
}
