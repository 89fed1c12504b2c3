package io.lockwarden.spring.internal;

import io.lockwarden.LockEvent;
import io.lockwarden.LockInterruptedException;
import io.lockwarden.LockListener;
import io.lockwarden.LockLostException;
import io.lockwarden.LockNotAvailableException;
import io.lockwarden.LockTimeoutException;
import io.lockwarden.LockwardenException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.function.Supplier;

/**
 * Lock events as Micrometer meters. Tags are bounded: {@code scope}, {@code mode} and the key's
 * {@code namespace} ({@code none} for numeric keys); never the key's name, a pid or a query.
 * <ul>
 *   <li>{@code lockwarden.lock.wait} (timer): the wait of every acquisition;</li>
 *   <li>{@code lockwarden.lock.hold} (timer): the hold of every lock that ended (released, lost, or released by a safety net);</li>
 *   <li>{@code lockwarden.lock.timeouts}, {@code lockwarden.lock.busy} (try-locks that found the lock held:
 *       skips), {@code lockwarden.lock.lost}, {@code lockwarden.lock.abandoned}, {@code lockwarden.lock.errors}
 *       (counters);</li>
 *   <li>{@code lockwarden.locks.held} (gauge): the locks this instance holds now.</li>
 * </ul>
 * Transaction locks inside a caller's transaction report no release, so they have no hold time.
 * Thread-safe.
 */
public final class LockMetrics implements LockListener {
    private final MeterRegistry registry;
    /** Kept here too: Micrometer holds a gauge's object weakly, and a lost one reads NaN. */
    private final Supplier<Integer> held;

    /**
     * @param held the number of locks held now, for the gauge
     */
    public LockMetrics(MeterRegistry registry, Supplier<Integer> held) {
        this.registry = registry;
        this.held = held;
        Gauge.builder("lockwarden.locks.held", this.held, h -> h.get().doubleValue()).strongReference(true)
                .description("advisory locks this instance holds now").register(registry);
    }

    @Override
    public void acquired(LockEvent event) {
        timer("lockwarden.lock.wait", "time spent waiting for advisory locks, per acquisition", event)
                .record(event.waited());
    }

    @Override
    public void released(LockEvent event) {
        hold(event);
    }

    @Override
    public void failed(LockEvent event, LockwardenException cause) {
        if (cause instanceof LockTimeoutException) {
            counter("lockwarden.lock.timeouts", "lock waits that hit their lock_timeout", event).increment();
        } else if (cause instanceof LockNotAvailableException) {
            counter("lockwarden.lock.busy", "try-locks that found the lock held (skipped work)", event).increment();
        } else if (!(cause instanceof LockInterruptedException)) {
            Counter.builder("lockwarden.lock.errors").description("acquisitions that failed for another reason")
                    .tags("scope", scope(event), "namespace", namespace(event), "exception",
                            cause.getClass().getSimpleName())
                    .register(registry).increment();
        }
    }

    @Override
    public void lost(LockEvent event, LockLostException cause) {
        counter("lockwarden.lock.lost", "held locks found lost (backend ended, network dropped, unlocked behind "
                + "Lockwarden's back)", event).increment();
        hold(event);
    }

    @Override
    public void abandoned(LockEvent event, Throwable acquiredAt) {
        counter("lockwarden.lock.abandoned", "locks released by a safety net (handle garbage collected, connection "
                + "returned to the pool)", event).increment();
        hold(event);
    }

    private void hold(LockEvent event) {
        timer("lockwarden.lock.hold", "how long advisory locks were held", event).record(event.held());
    }

    private Timer timer(String name, String description, LockEvent event) {
        return Timer.builder(name).description(description).tags("scope", scope(event), "mode",
                event.mode().name().toLowerCase(), "namespace", namespace(event)).register(registry);
    }

    private Counter counter(String name, String description, LockEvent event) {
        return Counter.builder(name).description(description)
                .tags("scope", scope(event), "namespace", namespace(event)).register(registry);
    }

    private static String scope(LockEvent event) {
        return event.scope().name().toLowerCase();
    }

    private static String namespace(LockEvent event) {
        return event.key().namespace().orElse("none");
    }
}
