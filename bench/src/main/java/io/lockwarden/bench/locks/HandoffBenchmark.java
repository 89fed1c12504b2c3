package io.lockwarden.bench.locks;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;

/**
 * Item 4: with a waiter queued, the time from the holder's release to the waiter's acquisition. For the
 * server-side wait the holder releases once {@code pg_locks} shows the waiter waiting; for polling, at a
 * random moment one to two poll intervals after the waiter started, so the release falls at a uniform
 * phase of the waiter's sleep (the expected hand-off is then half an interval). Polling trials run in
 * parallel on distinct keys (sleeping waiters do not disturb each other) so the 10 s interval fits the
 * time budget.
 */
final class HandoffBenchmark implements LockBenchmark {
    @Override
    public String name() {
        return "4 hand-off";
    }

    @Override
    public void run(BenchDatabase db, ResultTable table, Scale scale) throws Exception {
        List<Handoff> variants = List.of(Handoff.lockwarden(db.pool), Handoff.springIntegration(db.pool),
                Handoff.flywayStyle(db.pool), Handoff.liquibaseStyle(db.pool));
        double lockwardenMedian = 0;
        for (Handoff h : variants) {
            boolean serverSide = h.interval.isZero();
            int trials = serverSide ? scale.trials() : Math.max(4, scale.trials() / (h.interval.toSeconds() >= 10 ? 8 : 4));
            // At most 30 at once: a Flyway-style waiter and its holder each keep a pooled connection.
            int parallel = serverSide ? 1 : Math.min(trials, 30);
            List<Double> ms = new ArrayList<>();
            int key = 2_000_000;
            for (int done = 0; done < trials; done += parallel) {
                List<Thread> threads = new ArrayList<>();
                List<double[]> out = new ArrayList<>();
                AtomicReference<Throwable> failure = new AtomicReference<>();
                for (int p = 0; p < parallel && done + p < trials; p++) {
                    int k = serverSide ? key++ : p;
                    double[] latency = {Double.NaN};
                    out.add(latency);
                    Thread t = new Thread(() -> {
                        try {
                            latency[0] = trial(db.pool, h, k, serverSide) / 1e6;
                        } catch (Throwable e) {
                            failure.compareAndSet(null, e);
                        }
                    }, "handoff-" + k);
                    threads.add(t);
                    t.start();
                }
                for (Thread t : threads) {
                    t.join();
                }
                if (failure.get() != null) {
                    throw new IllegalStateException(h.name + " hand-off trial failed: " + failure.get(), failure.get());
                }
                out.forEach(l -> ms.add(l[0]));
            }
            Spread s = Spread.of(ms.stream().mapToDouble(Double::doubleValue).toArray());
            if (serverSide) {
                lockwardenMedian = s.median();
            }
            table.add(name(), h.name, s.count() + " trials", String.format(Locale.ROOT,
                            "p50 %.2f ms, p99 %.2f ms [min %.2f .. max %.2f]", s.median(), s.p99(), s.min(), s.max()),
                    serverSide ? "" : String.format(Locale.ROOT, "%.0fx Lockwarden's p50", s.median() / lockwardenMedian),
                    serverSide ? "waiter queued in pg_locks" : "interval " + h.interval.toMillis() + " ms; expected p50 ~"
                            + h.interval.toMillis() / 2 + " ms");
        }
    }

    /** One hand-off: returns nanoseconds from release to acquisition. */
    private static long trial(DataSource pool, Handoff h, int key, boolean serverSide) throws Exception {
        h.hold(key);
        long[] acquired = {0};
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            try {
                acquired[0] = h.await(key);
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "waiter-" + key);
        long started = System.nanoTime();
        waiter.start();
        if (serverSide) {
            awaitWaiting(pool, key);
            Thread.sleep(ThreadLocalRandom.current().nextInt(3));
        } else {
            long interval = h.interval.toNanos();
            long releaseAt = started + interval + ThreadLocalRandom.current().nextLong(interval);
            Thread.sleep(Math.max(0, (releaseAt - System.nanoTime()) / 1_000_000));
        }
        long released = h.release(key);
        waiter.join(120_000);
        if (failure.get() != null) {
            throw new IllegalStateException(failure.get());
        }
        if (acquired[0] == 0) {
            throw new IllegalStateException(h.name + ": the waiter on key " + key + " did not acquire within 120 s");
        }
        return acquired[0] - released;
    }

    private static void awaitWaiting(DataSource pool, int key) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = 0 "
                        + "AND objid = ?::bigint::oid AND objsubid = 1")) {
            ps.setLong(1, key);
            while (true) {
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getInt(1) > 0) {
                        return;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the waiter on key " + key + " never appeared in pg_locks");
                }
                Thread.sleep(1);
            }
        }
    }
}
