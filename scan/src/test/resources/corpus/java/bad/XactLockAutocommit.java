package corpus.bad;

import org.springframework.jdbc.core.JdbcTemplate;

/** No @Transactional anywhere: each JdbcTemplate call is its own autocommit transaction. */
public class XactLockAutocommit {
    private final JdbcTemplate jdbcTemplate;

    XactLockAutocommit(JdbcTemplate jdbcTemplate) {
        this.jdbcTemplate = jdbcTemplate;
    }

    public long nextInvoiceNumber(String tenant) {
        jdbcTemplate.execute("SET lock_timeout = '2s'");
        jdbcTemplate.queryForObject("select pg_advisory_xact_lock(hashtext(?))", Object.class, tenant); // expect: LW103
        return jdbcTemplate.queryForObject("select coalesce(max(no), 0) + 1 from invoice where tenant = ?",
                Long.class, tenant);
    }
}
