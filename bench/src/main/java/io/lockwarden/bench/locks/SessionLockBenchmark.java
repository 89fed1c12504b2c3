package io.lockwarden.bench.locks;

import io.lockwarden.AdvisoryLocks;
import io.lockwarden.LockKey;
import io.lockwarden.SessionLock;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Item 2: a session lock acquired and released on a connection taken from the pool for it, Lockwarden's
 * {@code acquire(...).close()} (which also checks the unlock result and the backend pid) against raw
 * {@code pg_advisory_lock} / {@code pg_advisory_unlock} on a pooled connection.
 */
final class SessionLockBenchmark implements LockBenchmark {
    @Override
    public String name() {
        return "2 session lock";
    }

    @Override
    public void run(BenchDatabase db, ResultTable table, Scale scale) throws Exception {
        AdvisoryLocks locks = AdvisoryLocks.using(db.pool);
        LockKey key = LockKey.named("bench", "session");
        Duration timeout = Duration.ofSeconds(5);
        Map<String, Interleaved.Unit> variants = new LinkedHashMap<>();
        variants.put("raw lock/unlock", i -> {
            try (Connection c = db.pool.getConnection()) {
                try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_lock(?, ?)")) {
                    ps.setInt(1, key.key1());
                    ps.setInt(2, key.key2());
                    ps.executeQuery().close();
                }
                try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_unlock(?, ?)")) {
                    ps.setInt(1, key.key1());
                    ps.setInt(2, key.key2());
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        if (!rs.getBoolean(1)) {
                            throw new IllegalStateException("raw unlock of " + key + " returned false");
                        }
                    }
                }
            }
        });
        variants.put("Lockwarden acquire+close", i -> {
            try (SessionLock lock = locks.acquire(key, timeout)) {
                lock.key();
            }
        });
        Interleaved.Result r = Interleaved.measure(db.meter, variants, 3, scale.rounds(), scale.units());
        for (Map.Entry<String, Interleaved.Unit> v : variants.entrySet()) {
            double trips = RoundTrips.per(50, () -> v.getValue().run(0));
            table.add(name(), v.getKey(), "uncontended", r.valueText(v.getKey()),
                    r.ratioText(v.getKey(), "raw lock/unlock") + " vs raw",
                    String.format(Locale.ROOT, "%.0f round trips/unit", trips));
        }
    }
}
