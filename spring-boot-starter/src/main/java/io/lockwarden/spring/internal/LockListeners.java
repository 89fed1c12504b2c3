package io.lockwarden.spring.internal;

import io.lockwarden.LockEvent;
import io.lockwarden.LockListener;
import io.lockwarden.LockLostException;
import io.lockwarden.LockwardenException;
import java.util.List;
import java.util.function.Consumer;

/**
 * Every {@link LockListener} bean of the context as one listener, in bean order. A listener that
 * throws does not keep the others from the event (the first failure is rethrown afterwards, and
 * Lockwarden's reporter logs and ignores it). Thread-safe when the listeners are.
 */
public final class LockListeners implements LockListener {
    private final List<LockListener> listeners;

    /** All of them, in order. */
    public LockListeners(List<LockListener> listeners) {
        this.listeners = List.copyOf(listeners);
    }

    @Override
    public void acquired(LockEvent event) {
        each(l -> l.acquired(event));
    }

    @Override
    public void released(LockEvent event) {
        each(l -> l.released(event));
    }

    @Override
    public void failed(LockEvent event, LockwardenException cause) {
        each(l -> l.failed(event, cause));
    }

    @Override
    public void lost(LockEvent event, LockLostException cause) {
        each(l -> l.lost(event, cause));
    }

    @Override
    public void abandoned(LockEvent event, Throwable acquiredAt) {
        each(l -> l.abandoned(event, acquiredAt));
    }

    private void each(Consumer<LockListener> call) {
        RuntimeException first = null;
        for (LockListener listener : listeners) {
            try {
                call.accept(listener);
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first; // logged and ignored by Lockwarden's reporter
        }
    }
}
