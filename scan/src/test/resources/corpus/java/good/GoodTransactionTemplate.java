package corpus.good;

import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;
import java.util.Map;

public class GoodTransactionTemplate {
    private final TransactionTemplate tx;
    private final NamedParameterJdbcTemplate jdbc;

    GoodTransactionTemplate(TransactionTemplate tx, NamedParameterJdbcTemplate jdbc) {
        this.tx = tx;
        this.jdbc = jdbc;
    }

    boolean settle(long accountId) {
        return Boolean.TRUE.equals(tx.execute(status -> {
            Boolean got = jdbc.queryForObject("select pg_try_advisory_xact_lock(:account)",
                    Map.of("account", accountId), Boolean.class);
            if (!Boolean.TRUE.equals(got)) {
                return false;
            }
            return true;
        }));
    }
}
