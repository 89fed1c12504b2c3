package corpus.good;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.annotation.Transactional;

public class GoodSpringXact {
    private final JdbcTemplate jdbcTemplate;

    GoodSpringXact(JdbcTemplate jdbcTemplate) {
        this.jdbcTemplate = jdbcTemplate;
    }

    @Transactional
    public long nextInvoiceNumber(String tenant) {
        jdbcTemplate.execute("SET LOCAL lock_timeout = '2s'");
        jdbcTemplate.queryForObject("select pg_advisory_xact_lock(hashtext(?))", Object.class, tenant);
        return jdbcTemplate.queryForObject("select coalesce(max(no), 0) + 1 from invoice where tenant = ?",
                Long.class, tenant);
    }
}
