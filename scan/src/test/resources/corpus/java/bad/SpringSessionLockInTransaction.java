package corpus.bad;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

@Service
public class SpringSessionLockInTransaction {
    private final JdbcTemplate jdbc;

    SpringSessionLockInTransaction(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @Transactional
    public void build(long reportId) {
        jdbc.execute("SET LOCAL lock_timeout = '5s'");
        jdbc.queryForObject("SELECT pg_advisory_lock(?)", Boolean.class, reportId); // expect: LW102
        try {
            render(reportId);
        } finally {
            // expect-next: LW113
            Boolean released = jdbc.queryForObject("SELECT pg_advisory_unlock(?)", Boolean.class, reportId);
            if (!Boolean.TRUE.equals(released)) {
                throw new IllegalStateException("report lock " + reportId + " was not held");
            }
        }
    }

    private void render(long reportId) {
    }
}
