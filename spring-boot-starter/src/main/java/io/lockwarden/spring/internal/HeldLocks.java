package io.lockwarden.spring.internal;

import io.lockwarden.LockEvent;
import io.lockwarden.LockKey;
import io.lockwarden.LockListener;
import io.lockwarden.LockLostException;
import io.lockwarden.LockMode;
import io.lockwarden.LockScope;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The locks this instance holds, kept from the lock events of the {@code AdvisoryLocks} bean: an
 * acquisition adds an entry, a release, loss or safety-net release removes it. A transaction-scope
 * lock taken inside a Spring transaction ({@code @AdvisoryLock}, {@code lockInTransaction}) is removed
 * when that transaction completes, since no release event marks its end. Thread-safe.
 */
public final class HeldLocks implements LockListener {
    private final Map<Long, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final Clock clock;

    /** One held lock, as the endpoint lists it. */
    public record Entry(long id, LockKey key, LockScope scope, LockMode mode, int pid, Instant acquiredAt,
                        String thread) {
    }

    /** A registry measuring hold times with {@code clock}. */
    public HeldLocks(Clock clock) {
        this.clock = clock;
    }

    /** The locks held now, oldest first. */
    public List<Entry> snapshot() {
        return entries.values().stream().sorted(Comparator.comparingLong(Entry::id)).toList();
    }

    /** How many locks are held now. */
    public int count() {
        return entries.size();
    }

    /** The clock hold ages are measured with. */
    public Clock clock() {
        return clock;
    }

    @Override
    public void acquired(LockEvent event) {
        long id = ids.incrementAndGet();
        entries.put(id, new Entry(id, event.key(), event.scope(), event.mode(), event.pid(), clock.instant(),
                Thread.currentThread().getName()));
        if (event.scope() == LockScope.TRANSACTION && TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCompletion(int status) {
                    entries.remove(id);
                }
            });
        }
    }

    @Override
    public void released(LockEvent event) {
        removeOne(event);
    }

    @Override
    public void lost(LockEvent event, LockLostException cause) {
        removeOne(event);
    }

    @Override
    public void abandoned(LockEvent event, Throwable acquiredAt) {
        removeOne(event);
    }

    private void removeOne(LockEvent event) {
        Iterator<Entry> it = snapshot().iterator();
        while (it.hasNext()) {
            Entry e = it.next();
            if (e.key().equals(event.key()) && e.scope() == event.scope() && e.pid() == event.pid()
                    && entries.remove(e.id()) != null) {
                return;
            }
        }
    }
}
