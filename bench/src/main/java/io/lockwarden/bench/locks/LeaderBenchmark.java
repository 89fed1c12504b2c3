package io.lockwarden.bench.locks;

import io.lockwarden.AdvisoryLocks;
import io.lockwarden.LeaderLock;
import io.lockwarden.LockKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Item 5: leader locks. Heartbeat cost on the server: the CPU the leader's backend spends per
 * heartbeat (from {@code /proc/<pid>/schedstat}, with a fast heartbeat so there are many), scaled to a
 * minute at the default 5 s interval, with no other locks and with 10,000 advisory locks held by
 * another session (the heartbeat reads {@code pg_locks}). Lost-lock detection: the leader's backend is
 * terminated at a random moment and the time until the lost-lock callback runs is measured against
 * the configured interval. Runs last: it terminates pooled backends.
 */
final class LeaderBenchmark implements LockBenchmark {
    @Override
    public String name() {
        return "5 leader lock";
    }

    @Override
    public void run(BenchDatabase db, ResultTable table, Scale scale) throws Exception {
        heartbeatCost(db, table, 0, scale);
        heartbeatCost(db, table, 10_000, scale);
        for (Duration interval : List.of(Duration.ofMillis(200), Duration.ofSeconds(1))) {
            detection(db, table, interval, scale);
        }
    }

    private void heartbeatCost(BenchDatabase db, ResultTable table, int otherLocks, Scale scale) throws Exception {
        // Fast enough for many beats, slow enough that its network timeout (half an interval) holds on a
        // loaded machine: at 20 ms the 10 ms read timeout expired under load and the lock counted as lost.
        Duration interval = Duration.ofMillis(500);
        AdvisoryLocks locks = AdvisoryLocks.builder(db.pool).heartbeat(interval).build();
        try (Connection other = db.pool.getConnection(); Connection idle = db.pool.getConnection()) {
            if (otherLocks > 0) {
                try (Statement st = other.createStatement()) {
                    st.execute("SELECT count(pg_advisory_lock(3000000 + k)) FROM generate_series(1, " + otherLocks + ") k");
                }
            }
            int idlePid = pid(idle);
            try (LeaderLock leader = locks.holdLeader(LockKey.named("bench", "leader-cost"), lost -> { })) {
                Thread.sleep(200);
                long seconds = scale.equals(Scale.full()) ? 5 : 2;
                long cpu0 = schedstat(leader.pid());
                long idle0 = schedstat(idlePid);
                double beats = RoundTrips.allThreads(() -> Thread.sleep(seconds * 1000));
                long cpu = schedstat(leader.pid()) - cpu0;
                long idleCpu = schedstat(idlePid) - idle0;
                double perBeat = cpu / beats / 1e3;
                double perMinute = perBeat * 60.0 / (AdvisoryLocks.DEFAULT_HEARTBEAT.toMillis() / 2000.0) / 1e3;
                table.add(name(), "heartbeat, server CPU", otherLocks + " other advisory locks held",
                        String.format(Locale.ROOT, "%.1f us per beat; %.2f ms CPU per minute at the default 5 s", perBeat,
                                perMinute),
                        "", String.format(Locale.ROOT, "%.0f beats in %d s at a %d ms interval (one round trip each, "
                                        + "24/min at 5 s); an idle backend used %.0f us in that time",
                                beats, seconds, interval.toMillis(), idleCpu / 1e3));
            } finally {
                if (otherLocks > 0) {
                    try (Statement st = other.createStatement()) {
                        st.execute("SELECT pg_advisory_unlock_all()");
                    }
                }
            }
        }
    }

    private void detection(BenchDatabase db, ResultTable table, Duration interval, Scale scale) throws Exception {
        AdvisoryLocks locks = AdvisoryLocks.builder(db.pool).heartbeat(interval).build();
        int trials = Math.max(10, scale.trials() / 5);
        int batch = 20;
        List<Double> ms = new ArrayList<>();
        int falseLosses = 0;
        int key = 0;
        for (int done = 0; done < trials; done += batch) {
            int n = Math.min(batch, trials - done);
            List<LeaderLock> leaders = new ArrayList<>();
            AtomicLong[] lostAt = new AtomicLong[n];
            long[] terminatedAt = new long[n];
            for (int i = 0; i < n; i++) {
                AtomicLong at = new AtomicLong();
                lostAt[i] = at;
                leaders.add(locks.holdLeader(LockKey.named("bench-leader", "trial-" + key++),
                        lost -> at.compareAndSet(0, System.nanoTime())));
            }
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                order.add(i);
            }
            try (Connection c = db.pool.getConnection();
                 PreparedStatement ps = c.prepareStatement("SELECT pg_terminate_backend(?)")) {
                // Terminate each at a random phase of its heartbeat: spread over one interval.
                long start = System.nanoTime();
                long[] when = new long[n];
                for (int i = 0; i < n; i++) {
                    when[i] = start + ThreadLocalRandom.current().nextLong(interval.toNanos());
                }
                order.sort((a, b) -> Long.compare(when[a], when[b]));
                for (int i : order) {
                    long wait = when[i] - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                    ps.setInt(1, leaders.get(i).pid());
                    terminatedAt[i] = System.nanoTime();
                    ps.executeQuery().close();
                }
            }
            long deadline = System.nanoTime() + interval.toNanos() * 10 + 5_000_000_000L;
            for (int i = 0; i < n; i++) {
                while (lostAt[i].get() == 0) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("leader " + leaders.get(i).key() + " was terminated but its "
                                + "lost-lock callback had not run after 10 intervals");
                    }
                    Thread.sleep(1);
                }
                if (lostAt[i].get() < terminatedAt[i]) {
                    falseLosses++; // lost before it was terminated: a heartbeat timed out on the loaded machine
                } else {
                    ms.add((lostAt[i].get() - terminatedAt[i]) / 1e6);
                }
                leaders.get(i).close();
            }
        }
        Spread s = Spread.of(ms.stream().mapToDouble(Double::doubleValue).toArray());
        table.add(name(), "lost-lock detection", "interval " + interval.toMillis() + " ms",
                String.format(Locale.ROOT, "p50 %.0f ms, p99 %.0f ms [min %.0f .. max %.0f]", s.median(), s.p99(),
                        s.min(), s.max()),
                String.format(Locale.ROOT, "p99 = %.2fx the interval", s.p99() / interval.toMillis()),
                s.count() + " trials: backend terminated, time until the callback"
                        + (falseLosses > 0 ? "; " + falseLosses + " lost before termination (heartbeat timed out under load)"
                        : ""));
    }

    private static int pid(Connection c) throws Exception {
        try (Statement st = c.createStatement(); var rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static long schedstat(int pid) throws IOException {
        String s = Files.readString(Path.of("/proc", String.valueOf(pid), "schedstat"));
        return Long.parseLong(s.substring(0, s.indexOf(' ')));
    }
}
