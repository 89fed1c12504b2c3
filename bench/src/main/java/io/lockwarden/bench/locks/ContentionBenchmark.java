package io.lockwarden.bench.locks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * Item 3: 1, 4, 16 and 64 threads over 1, 10 and 1,000 keys, each thread running protected units on
 * random keys for a fixed time; units per second and p50/p99 wait (from asking for the lock to holding
 * it) for Lockwarden, Spring Integration's JdbcLockRegistry (one registry per thread, i.e. every
 * thread a separate application instance, and one registry shared by all threads, one instance),
 * ShedLock (which skips when busy: its rate is of units done, its skips are counted) and
 * {@code SELECT ... FOR UPDATE}. Every unit checks in memory that no other thread holds its key
 * (a broken lock would show as violations) and the committed counter rows are checked against the
 * units counted.
 */
final class ContentionBenchmark implements LockBenchmark {
    private static final int[] THREADS = {1, 4, 16, 64};
    private static final int[] KEYS = {1, 10, 1000};

    @Override
    public String name() {
        return "3 contention";
    }

    @Override
    public void run(BenchDatabase db, ResultTable table, Scale scale) throws Exception {
        Map<String, IntFunction<Contender>> contenders = new LinkedHashMap<>();
        Contender lockwarden = Contender.lockwarden(db.pool);
        contenders.put("Lockwarden withLock", t -> lockwarden);
        contenders.put("Spring JdbcLockRegistry, registry per thread",
                t -> Contender.springIntegration(db.pool, "00000000-0000-0000-0000-" + String.format("%012d", t)));
        Contender sharedSpring = Contender.springIntegration(db.pool, "11111111-1111-1111-1111-111111111111");
        contenders.put("Spring JdbcLockRegistry, one shared registry", t -> sharedSpring);
        Contender shed = Contender.shedLock(db.pool);
        contenders.put("ShedLock JdbcLockProvider", t -> shed);
        Contender forUpdate = Contender.forUpdate(db.pool);
        contenders.put("SELECT ... FOR UPDATE", t -> forUpdate);
        for (Map.Entry<String, IntFunction<Contender>> e : contenders.entrySet()) {
            point(db, e.getValue(), 4, 10, Math.min(0.5, scale.secondsPerPoint())); // warm-up, not reported
        }
        List<String> names = new ArrayList<>(contenders.keySet());
        for (int keys : KEYS) {
            for (int threads : THREADS) {
                // Every contender runs once per repetition, in a rotating order, so that a disturbance of
                // the shared machine lands on all of them; ratios are taken within a repetition.
                Map<String, List<Point>> points = new LinkedHashMap<>();
                for (int rep = 0; rep < scale.repetitions(); rep++) {
                    for (int k = 0; k < names.size(); k++) {
                        String name = names.get((rep + k) % names.size());
                        points.computeIfAbsent(name, x -> new ArrayList<>())
                                .add(point(db, contenders.get(name), threads, keys, scale.secondsPerPoint()));
                    }
                }
                String at = threads + " threads, " + keys + " keys";
                List<Point> lw = points.get(names.get(0));
                for (String name : names) {
                    List<Point> ps = points.get(name);
                    Spread rate = Spread.of(ps.stream().mapToDouble(Point::rate).toArray());
                    Spread waits = Spread.of(ps.stream().flatMapToDouble(p -> java.util.Arrays.stream(p.waits))
                            .toArray());
                    String ratio = "";
                    if (ps != lw) {
                        double[] r = new double[ps.size()];
                        for (int i = 0; i < r.length; i++) {
                            r[i] = lw.get(i).rate / Math.max(ps.get(i).rate, 1e-9);
                        }
                        Spread rs = Spread.of(r);
                        ratio = String.format(Locale.ROOT, "Lockwarden %.2fx [%.2f..%.2f] this", rs.median(), rs.min(),
                                rs.max());
                    }
                    table.add(name(), name, at, String.format(Locale.ROOT,
                                    "%.0f [%.0f..%.0f] units/s; wait p50 %.2f ms, p99 %.2f ms", rate.median(), rate.min(),
                                    rate.max(), waits.median(), waits.p99()), ratio,
                            Point.note(ps));
                }
            }
        }
    }

    /** One measured run: units per second, the waits (ms), and what went wrong. */
    private record Point(double rate, double[] waits, long skipped, long timedOut, long violations, long lost,
                         int threads, double busiestShare) {
        static String note(List<Point> ps) {
            long skipped = ps.stream().mapToLong(Point::skipped).sum();
            long done = ps.stream().mapToLong(p -> p.waits.length).sum();
            long violations = ps.stream().mapToLong(Point::violations).sum();
            long lost = ps.stream().mapToLong(Point::lost).sum();
            List<String> n = new ArrayList<>();
            int threads = ps.get(0).threads;
            if (threads > 1) {
                // Fairness: how much of the work the busiest thread got, against an even share.
                double busiest = Spread.of(ps.stream().mapToDouble(Point::busiestShare).toArray()).median();
                n.add(String.format(Locale.ROOT, "busiest thread did %.0f%% of units (even share %.0f%%)",
                        100 * busiest, 100.0 / threads));
            }
            if (skipped > 0) {
                n.add(String.format(Locale.ROOT, "%.0f%% of attempts skipped (busy)", 100.0 * skipped / (skipped + done)));
            }
            if (violations > 0) {
                n.add(violations + " MUTUAL EXCLUSION VIOLATIONS");
            }
            if (lost != 0) {
                n.add(lost + " units counted but not committed");
            }
            return String.join("; ", n);
        }
    }

    private static Point point(BenchDatabase db, IntFunction<Contender> contenders, int threads, int keys,
                               double seconds) throws Exception {
        long committedBefore = db.committedUnits();
        AtomicIntegerArray inside = new AtomicIntegerArray(keys);
        AtomicLong violations = new AtomicLong();
        AtomicLong done = new AtomicLong();
        AtomicLong doneTotal = new AtomicLong();
        AtomicLong skipped = new AtomicLong();
        AtomicLong timedOut = new AtomicLong();
        List<long[]> waits = new ArrayList<>();
        List<Throwable> failures = new ArrayList<>();
        long start = System.nanoTime() + 50_000_000L;
        long deadline = start + (long) (seconds * 1e9);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Contender contender = contenders.apply(t);
            long[][] mine = {new long[1024]};
            int[] count = {0};
            Thread w = new Thread(() -> {
                try {
                    while (System.nanoTime() < start) {
                        Thread.onSpinWait();
                    }
                    while (System.nanoTime() < deadline) {
                        int key = ThreadLocalRandom.current().nextInt(keys);
                        long asked = System.nanoTime();
                        long[] got = {0};
                        Contender.Outcome o = contender.run(key, deadline, c -> {
                            got[0] = System.nanoTime();
                            if (inside.incrementAndGet(key) != 1) {
                                violations.incrementAndGet();
                            }
                            try {
                                BenchDatabase.work(c, key);
                            } finally {
                                inside.decrementAndGet(key);
                            }
                        });
                        switch (o) {
                            case DONE -> {
                                doneTotal.incrementAndGet();
                                if (got[0] < deadline) {
                                    done.incrementAndGet();
                                    if (count[0] == mine[0].length) {
                                        mine[0] = java.util.Arrays.copyOf(mine[0], count[0] * 2);
                                    }
                                    mine[0][count[0]++] = got[0] - asked;
                                }
                            }
                            case SKIPPED -> skipped.incrementAndGet();
                            case TIMED_OUT -> timedOut.incrementAndGet();
                            default -> throw new IllegalStateException("unknown outcome " + o);
                        }
                    }
                } catch (Throwable e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                } finally {
                    synchronized (waits) {
                        waits.add(java.util.Arrays.copyOf(mine[0], count[0]));
                    }
                }
            }, "contender-" + t);
            workers.add(w);
            w.start();
        }
        for (Thread w : workers) {
            w.join();
        }
        if (!failures.isEmpty()) {
            IllegalStateException e = new IllegalStateException("a contender failed at " + threads + " threads, "
                    + keys + " keys: " + failures.get(0), failures.get(0));
            throw e;
        }
        int n = waits.stream().mapToInt(a -> a.length).sum();
        long[] all = new long[n];
        int i = 0;
        for (long[] a : waits) {
            System.arraycopy(a, 0, all, i, a.length);
            i += a.length;
        }
        long lost = doneTotal.get() - (db.committedUnits() - committedBefore);
        double[] ms = new double[all.length];
        for (int k = 0; k < all.length; k++) {
            ms[k] = all[k] / 1e6;
        }
        int busiest = waits.stream().mapToInt(a -> a.length).max().orElse(0);
        return new Point(done.get() / seconds, ms, skipped.get(), timedOut.get(), violations.get(), lost, threads,
                n == 0 ? 0 : busiest / (double) n);
    }
}
