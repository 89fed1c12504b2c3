package corpus.bad;

import org.jooq.DSLContext;

public class JooqPlainSql {
    void importFeed(DSLContext dsl, long feedId) {
        dsl.execute("select pg_advisory_lock(?)", feedId); // expect: LW101, LW104, LW109
        importRows(dsl, feedId);
        dsl.execute("select pg_advisory_unlock(?)", feedId); // expect: LW105, LW109
    }

    private void importRows(DSLContext dsl, long feedId) {
    }
}
