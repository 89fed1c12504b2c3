package io.lockwarden.guard;

import io.lockwarden.LockEvent;
import io.lockwarden.LockListener;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Records the abandoned-lock reports of every instance in one static list, so that a guard made by the
 * driver from {@code lockwarden.listener=...} can be observed. Tests clear it before each run.
 */
public final class RecordingListener implements LockListener {
    /** One report: the event and the stack trace of where the lock was taken. */
    public record Abandoned(LockEvent event, Throwable site) {
        /** Whether the call site's stack trace has a frame of this method name. */
        boolean takenIn(String method) {
            return Arrays.stream(site.getStackTrace()).anyMatch(f -> f.getMethodName().equals(method));
        }
    }

    private static final List<Abandoned> REPORTS = new ArrayList<>();

    /** Created by tests and by the driver. */
    public RecordingListener() {
    }

    @Override
    public void abandoned(LockEvent event, Throwable acquiredAt) {
        synchronized (REPORTS) {
            REPORTS.add(new Abandoned(event, acquiredAt));
        }
    }

    static List<Abandoned> reports() {
        synchronized (REPORTS) {
            return List.copyOf(REPORTS);
        }
    }

    static void clear() {
        synchronized (REPORTS) {
            REPORTS.clear();
        }
    }

}
