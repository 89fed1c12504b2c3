package io.lockwarden.bench.locks;

import io.lockwarden.AdvisoryLocks;
import io.lockwarden.LockKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Item 1: the cost of one protected unit of work, uncontended, through the shared HikariCP pool:
 * Lockwarden's {@code withLock} against hand-written JDBC doing the same
 * ({@code BEGIN; SELECT pg_advisory_xact_lock(?); work; COMMIT}) and against the same work with no
 * lock; once with the one-row update as the work and once with empty work (the lock alone). Also
 * counts round trips per unit.
 */
final class OverheadBenchmark implements LockBenchmark {
    /**
     * The statement Lockwarden's waiting path sends for one two-int key (LockStatements.lock), written
     * out: until issue 13 every withLock sent it, free lock or not.
     */
    private static final String TIMEOUT_SQL = "SELECT x.pid, set_config('lock_timeout', x.previous, true) AS restored "
            + "FROM (SELECT current_setting('lock_timeout') AS previous, set_config('lock_timeout', ?, true) AS timeout, "
            + "pg_advisory_xact_lock(?::int4, ?::int4) AS l0, pg_backend_pid() AS pid OFFSET 0) x";

    @Override
    public String name() {
        return "1 overhead";
    }

    @Override
    public void run(BenchDatabase db, ResultTable table, Scale scale) throws Exception {
        AdvisoryLocks locks = AdvisoryLocks.using(db.pool);
        LockKey key = LockKey.named("bench", "overhead");
        Duration timeout = Duration.ofSeconds(5);
        for (boolean withWork : new boolean[] {true, false}) {
            String work = withWork ? "1-row update" : "empty work";
            Map<String, Interleaved.Unit> variants = new LinkedHashMap<>();
            variants.put("no lock", i -> handWritten(db, null, false, key, withWork));
            variants.put("hand-written JDBC", i -> handWritten(db, "SELECT pg_advisory_xact_lock(?, ?)", false, key,
                    withWork));
            // Hand-written with the server-side lock_timeout set and restored in the lock statement, as
            // Lockwarden did for every lock before issue 13 (now only when the lock is busy).
            variants.put("hand-written + lock_timeout statement", i -> handWritten(db, TIMEOUT_SQL, true, key, withWork));
            variants.put("Lockwarden withLock", i -> locks.withLock(key, timeout, c -> {
                if (withWork) {
                    BenchDatabase.work(c, 1);
                }
                return null;
            }));
            Interleaved.Result r = Interleaved.measure(db.meter, variants, 3, scale.rounds(), scale.units());
            for (Map.Entry<String, Interleaved.Unit> v : variants.entrySet()) {
                double trips = RoundTrips.per(50, () -> v.getValue().run(0));
                table.add(name(), v.getKey(), work, r.valueText(v.getKey()),
                        r.ratioText(v.getKey(), "hand-written JDBC") + " vs hand-written",
                        String.format(Locale.ROOT, "%.0f round trips/unit", trips));
            }
        }
    }

    /**
     * {@code BEGIN; <lockSql>; work; COMMIT} on a pooled connection; {@code lockSql} null: no lock;
     * {@code timeoutFirst}: the statement's first parameter is the timeout (5 s), then the key.
     */
    private static void handWritten(BenchDatabase db, String lockSql, boolean timeoutFirst, LockKey key,
                                    boolean withWork)
            throws SQLException {
        try (Connection c = db.pool.getConnection()) {
            c.setAutoCommit(false);
            if (lockSql != null) {
                try (PreparedStatement ps = c.prepareStatement(lockSql)) {
                    int i = 1;
                    if (timeoutFirst) {
                        ps.setString(i++, "5000");
                    }
                    ps.setInt(i++, key.key1());
                    ps.setInt(i, key.key2());
                    ps.executeQuery().close();
                }
            }
            if (withWork) {
                BenchDatabase.work(c, 1);
            }
            c.commit();
        }
    }
}
