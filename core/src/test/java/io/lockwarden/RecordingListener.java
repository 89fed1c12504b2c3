package io.lockwarden;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A listener that records every event, for tests that check what was reported. */
final class RecordingListener implements LockListener {
    record Event(String kind, LockEvent event, Throwable detail) {
    }

    final List<Event> events = new CopyOnWriteArrayList<>();

    @Override
    public void acquired(LockEvent event) {
        events.add(new Event("acquired", event, null));
    }

    @Override
    public void released(LockEvent event) {
        events.add(new Event("released", event, null));
    }

    @Override
    public void failed(LockEvent event, LockwardenException cause) {
        events.add(new Event("failed", event, cause));
    }

    @Override
    public void lost(LockEvent event, LockLostException cause) {
        events.add(new Event("lost", event, cause));
    }

    @Override
    public void abandoned(LockEvent event, Throwable acquiredAt) {
        events.add(new Event("abandoned", event, acquiredAt));
    }

    List<Event> of(String kind) {
        return events.stream().filter(e -> e.kind().equals(kind)).toList();
    }
}
