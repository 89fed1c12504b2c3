package io.lockwarden.guard.internal;

import io.lockwarden.LockListener;
import io.lockwarden.guard.GuardMode;
import io.lockwarden.guard.Pooler;
import io.lockwarden.guard.ReturnCheck;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How one guard behaves, shared by every connection it wraps, with the call sites it already warned about
 * (so each is warned once). Thread-safe.
 *
 * @param mode           release, report or fail fast
 * @param check          when {@code pg_locks} is read at return
 * @param releaseTimeout the network timeout of the check and release at return
 * @param listener       receives {@link LockListener#abandoned} for each lock found at return
 * @param pooler         whether a transaction pooler is in between: then locks are settled at each transaction's end
 * @param warnedSites    call sites already warned about (mutable, concurrent)
 * @param reportedLeft   report mode: per physical connection (weakly held), the locks reported and left held
 * @param poolerHinted   whether the hint that a transaction pooler may be in between was logged (once per guard)
 */
public record GuardSettings(GuardMode mode, ReturnCheck check, Duration releaseTimeout, LockListener listener,
                            Pooler pooler, Set<String> warnedSites,
                            Map<Object, Set<LockTracker.Held>> reportedLeft, AtomicBoolean poolerHinted) {
    /** The default release timeout: long enough for a loaded server, short enough not to stall a pool. */
    public static final Duration DEFAULT_RELEASE_TIMEOUT = Duration.ofSeconds(5);

    /** Settings with a fresh set of warned call sites. */
    public static GuardSettings of(GuardMode mode, ReturnCheck check, Duration releaseTimeout, LockListener listener,
                                   Pooler pooler) {
        return new GuardSettings(mode, check, releaseTimeout, listener, pooler, ConcurrentHashMap.newKeySet(),
                Collections.synchronizedMap(new WeakHashMap<>()), new AtomicBoolean());
    }

    /** Report mode: the locks already reported and left held on a physical connection (created on first use). */
    Set<LockTracker.Held> reportedLeft(Object physicalConnection) {
        return reportedLeft.computeIfAbsent(physicalConnection, c -> ConcurrentHashMap.newKeySet());
    }

    /** Whether a transaction pooler is in between. */
    public boolean transactionPooler() {
        return pooler == Pooler.TRANSACTION;
    }
}
