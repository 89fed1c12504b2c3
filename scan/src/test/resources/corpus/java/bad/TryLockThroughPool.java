package corpus.bad;

import org.springframework.jdbc.core.JdbcTemplate;

/** Was a "good" case: perfect finally, but each JdbcTemplate call outside a transaction uses any pooled connection. */
public class TryLockThroughPool {
    private final JdbcTemplate jdbc;

    TryLockThroughPool(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    boolean runExclusive(long key) {
        Boolean got = jdbc.queryForObject("SELECT pg_try_advisory_lock(?)", Boolean.class, key); // expect: LW109
        if (!Boolean.TRUE.equals(got)) {
            return false;
        }
        try {
            work();
        } finally {
            Boolean released = jdbc.queryForObject("SELECT pg_advisory_unlock(?)", Boolean.class, key); // expect: LW109
            if (!Boolean.TRUE.equals(released)) {
                throw new IllegalStateException("lock " + key + " was not held");
            }
        }
        return true;
    }

    private void work() {
    }
}
