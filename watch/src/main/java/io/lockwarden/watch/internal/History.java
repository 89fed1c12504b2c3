package io.lockwarden.watch.internal;

/**
 * Held and waiting lock counts over time for one target, in a fixed-size ring (oldest overwritten first), so
 * memory stays bounded however long the watchdog runs. Thread-safe.
 */
public final class History {
    private final long[] times;
    private final int[] held;
    private final int[] waiting;
    private int next;
    private int size;

    /** A ring of {@code capacity} samples (at least 2). */
    public History(int capacity) {
        int c = Math.max(2, capacity);
        times = new long[c];
        held = new int[c];
        waiting = new int[c];
    }

    /** Records one sample taken at {@code epochSecond}. */
    public synchronized void add(long epochSecond, int heldLocks, int waitingLocks) {
        times[next] = epochSecond;
        held[next] = heldLocks;
        waiting[next] = waitingLocks;
        next = (next + 1) % times.length;
        size = Math.min(size + 1, times.length);
    }

    /** The samples oldest first as three parallel arrays: epoch seconds, held, waiting. */
    public synchronized long[][] series() {
        long[][] out = new long[3][size];
        int start = (next - size + times.length) % times.length;
        for (int i = 0; i < size; i++) {
            int j = (start + i) % times.length;
            out[0][i] = times[j];
            out[1][i] = held[j];
            out[2][i] = waiting[j];
        }
        return out;
    }

    /** The ring's capacity. */
    public int capacity() {
        return times.length;
    }
}
