package corpus.good;

import org.springframework.jdbc.core.JdbcTemplate;

/** Lock primitives wrapped in a DAO: callers pair tryLock with unlock in finally. */
public class GoodLockDao {
    private final JdbcTemplate jdbc;

    GoodLockDao(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    public boolean tryLock(long key) {
        return Boolean.TRUE.equals(jdbc.queryForObject("select pg_try_advisory_lock(?)", Boolean.class, key));
    }

    public void unlock(long key) {
        Boolean released = jdbc.queryForObject("select pg_advisory_unlock(?)", Boolean.class, key);
        if (!Boolean.TRUE.equals(released)) {
            throw new IllegalStateException("lock " + key + " was not held");
        }
    }
}
