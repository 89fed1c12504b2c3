package io.lockwarden.cli.internal.soak;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import javax.sql.DataSource;

/**
 * The soak's once-a-second view of {@code pg_locks}: how many of the run's locks are held and awaited, and how
 * many are leaked (held by a session while no worker works on that key, twice half a second apart), with the
 * run's counters at that moment, as a series of {@link Sample}s. One daemon thread; {@link #samples()} and
 * {@link #sampleOnce()} may be called from any thread.
 */
final class LeakSampler {
    private final DataSource admin;
    private final long classid;
    private final Map<Long, Integer> rowByObjid;
    private final AtomicIntegerArray busy;
    private final long startedNanos;
    private final BooleanSupplier stopping;
    private final LongSupplier units;
    private final LongSupplier violations;
    private final LongSupplier faults;
    private final List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
    private Thread thread;

    /**
     * A sampler of the run's locks.
     *
     * @param admin        connections outside the pool under test
     * @param classid      the run's namespace, as {@code pg_locks.classid}
     * @param rowByObjid   the key row of each {@code pg_locks.objid} of the run
     * @param busy         per key row, how many workers are working on it now
     * @param startedNanos {@link System#nanoTime()} at the start of the run
     * @param stopping     true once the run is ending (leaks are then not looked for)
     * @param units        units of work done so far
     * @param violations   mutual-exclusion violations so far
     * @param faults       faults injected so far
     */
    LeakSampler(DataSource admin, long classid, Map<Long, Integer> rowByObjid, AtomicIntegerArray busy, long startedNanos,
                BooleanSupplier stopping, LongSupplier units, LongSupplier violations, LongSupplier faults) {
        this.admin = admin;
        this.classid = classid;
        this.rowByObjid = rowByObjid;
        this.busy = busy;
        this.startedNanos = startedNanos;
        this.stopping = stopping;
        this.units = units;
        this.violations = violations;
        this.faults = faults;
    }

    /** Starts sampling every second. */
    void start() {
        thread = new Thread(() -> {
            long next = System.nanoTime();
            while (!Thread.currentThread().isInterrupted()) {
                sampleOnce();
                next += TimeUnit.SECONDS.toNanos(1);
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    try {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }, "lockwarden-soak-sampler");
        thread.setDaemon(true);
        thread.start();
    }

    /** Asks the thread to stop, without waiting. */
    void interrupt() {
        if (thread != null) {
            thread.interrupt();
        }
    }

    /** Stops the thread, waiting up to 5 s for it. */
    void stop() {
        interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The samples so far, in order. */
    List<Sample> samples() {
        synchronized (samples) {
            return List.copyOf(samples);
        }
    }

    /** Takes one sample now; a failed read (a fault may cut this connection too) skips it. */
    void sampleOnce() {
        try (Connection c = admin.getConnection()) {
            int[] counts = new int[2];
            Set<Long> candidates = idleKeyHolders(c, counts);
            double at = (System.nanoTime() - startedNanos) / 1e9;
            int orphaned = 0;
            if (!candidates.isEmpty() && !stopping.getAsBoolean()) {
                // a backend that was just terminated or killed can hold its lock for a few more milliseconds:
                // only a lock still held by the same session, with still nobody working on its key, is leaked
                Thread.sleep(500);
                Set<Long> again = idleKeyHolders(c, new int[2]);
                again.retainAll(candidates);
                orphaned = again.size();
            }
            samples.add(new Sample(at, counts[0], counts[1], orphaned, units.getAsLong(), violations.getAsLong(),
                    faults.getAsLong()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (SQLException | RuntimeException e) {
            // a fault (or a server restart) may cut the sampler's connection too: skip this second
        }
    }

    /**
     * Reads this run's locks: fills {@code counts} with (held, waiting) and returns the granted locks, as
     * pid << 32 | key row, whose key no worker was working on before and after the query.
     */
    private Set<Long> idleKeyHolders(Connection c, int[] counts) throws SQLException {
        int[] busyBefore = new int[busy.length()];
        for (int i = 0; i < busyBefore.length; i++) {
            busyBefore[i] = busy.get(i);
        }
        Set<Long> idle = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT pid, objid::bigint, granted FROM pg_locks "
                + "WHERE locktype = 'advisory' AND objsubid = 2 AND classid::bigint = ?")) {
            ps.setLong(1, classid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    boolean granted = rs.getBoolean(3);
                    counts[granted ? 0 : 1]++;
                    Integer row = rowByObjid.get(rs.getLong(2));
                    if (granted && row != null && busyBefore[row] == 0 && busy.get(row) == 0) {
                        idle.add(((long) rs.getInt(1) << 32) | row);
                    }
                }
            }
        }
        return idle;
    }
}
