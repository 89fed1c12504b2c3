package corpus.good;

import org.springframework.jdbc.core.JdbcTemplate;

public class GoodTryLock {
    private final JdbcTemplate jdbc;

    GoodTryLock(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    boolean runExclusive(long key) {
        Boolean got = jdbc.queryForObject("SELECT pg_try_advisory_lock(?)", Boolean.class, key);
        if (!Boolean.TRUE.equals(got)) {
            return false;
        }
        try {
            work();
        } finally {
            Boolean released = jdbc.queryForObject("SELECT pg_advisory_unlock(?)", Boolean.class, key);
            if (!Boolean.TRUE.equals(released)) {
                throw new IllegalStateException("lock " + key + " was not held");
            }
        }
        return true;
    }

    private void work() {
    }
}
