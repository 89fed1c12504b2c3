package corpus.bad;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Lock primitives wrapped in a DAO: callers pair tryLock with unlock in finally. Was a "good" case; but a
 * JdbcTemplate outside a transaction borrows a pooled connection per call, so lock and unlock land on
 * different sessions (issue 12, idiom 1).
 */
public class LockDaoThroughPool {
    private final JdbcTemplate jdbc;

    LockDaoThroughPool(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    public boolean tryLock(long key) {
        return Boolean.TRUE.equals(jdbc.queryForObject("select pg_try_advisory_lock(?)", Boolean.class, key)); // expect: LW109
    }

    public void unlock(long key) {
        Boolean released = jdbc.queryForObject("select pg_advisory_unlock(?)", Boolean.class, key); // expect: LW109
        if (!Boolean.TRUE.equals(released)) {
            throw new IllegalStateException("lock " + key + " was not held");
        }
    }
}
