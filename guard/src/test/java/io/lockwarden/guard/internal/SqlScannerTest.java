package io.lockwarden.guard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockwarden.LockKey;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How statement texts are read: which calls are certain, their keys, columns and parameter numbers. */
class SqlScannerTest {

    @Test
    void statementsThatDoNotMentionAdvisoryLocksCostOnlyTheTextCheck() {
        assertThat(SqlScanner.plan("SELECT * FROM orders WHERE id = ?")).isSameAs(StatementPlan.NONE);
        assertThat(SqlScanner.mentionsAdvisory("select PG_ADVISORY_LOCK(1)")).isTrue();
        assertThat(SqlScanner.mentionsAdvisory("advisor")).isFalse();
    }

    @Test
    void aPlainSelectOfLockCallsIsCertainWithColumnsAndKeys() {
        StatementPlan p = SqlScanner.plan("SELECT 1, pg_try_advisory_lock(?, -3) AS got, pg_advisory_unlock(42)");
        assertThat(p.unfollowed()).isFalse();
        assertThat(p.calls()).hasSize(2);
        AdvisoryCall tryLock = p.calls().get(0);
        assertThat(tryLock.certain()).isTrue();
        assertThat(tryLock.column()).isEqualTo(2);
        assertThat(tryLock.key(Map.of(1, 7))).isEqualTo(LockKey.of(7, -3));
        assertThat(p.calls().get(1).key(Map.of())).isEqualTo(LockKey.of(42));
    }

    @Test
    void callsInAFromOrWhereClauseOrWithAnExpressionKeyAreNotCertain() {
        assertThat(SqlScanner.plan("SELECT id FROM jobs WHERE pg_try_advisory_lock(id) LIMIT 1").calls())
                .singleElement().satisfies(c -> assertThat(c.certain()).isFalse());
        assertThat(SqlScanner.plan("SELECT pg_advisory_lock(1) FROM t").calls().get(0).certain()).isFalse();
        assertThat(SqlScanner.plan("SELECT pg_advisory_lock(hashtext('x'))").calls().get(0).certain()).isFalse();
        assertThat(SqlScanner.plan("SELECT NOT pg_try_advisory_lock(1)").calls().get(0).certain()).isFalse();
    }

    @Test
    void literalsCommentsAndBodiesAreSkippedAndAMentionInsideThemIsUnfollowed() {
        StatementPlan p = SqlScanner.plan("SELECT 'pg_advisory_lock(1)', \"x?\" -- pg_advisory_lock(2)\n"
                + ", pg_advisory_lock(?) /* ? */");
        assertThat(p.calls()).singleElement().satisfies(c -> {
            assertThat(c.arguments().get(0).parameter()).as("only real placeholders are numbered").isEqualTo(1);
            assertThat(c.column()).isEqualTo(3);
        });
        assertThat(p.unfollowed()).isTrue();
        assertThat(SqlScanner.plan("DO $body$ BEGIN PERFORM pg_advisory_lock(5); END $body$").calls()).isEmpty();
        assertThat(SqlScanner.plan("SELECT my_advisory_helper(1)").unfollowed()).isTrue();
        assertThat(SqlScanner.plan("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'").unfollowed())
                .as("data, not a lock call").isFalse();
    }

    @Test
    void severalStatementsAndCallEscapesAreToldApart() {
        StatementPlan p = SqlScanner.plan("SELECT pg_advisory_lock(1); SELECT ';'; SELECT pg_try_advisory_lock(2)");
        assertThat(p.calls()).extracting(AdvisoryCall::segment).containsExactly(0, 2);
        AdvisoryCall out = SqlScanner.plan("{? = call pg_try_advisory_lock(?)}").calls().get(0);
        assertThat(out.certain()).isTrue();
        assertThat(out.outParam()).isTrue();
        assertThat(out.arguments().get(0).parameter()).isEqualTo(2);
        assertThat(SqlScanner.plan("{call pg_advisory_unlock_all()}").calls().get(0).certain()).isTrue();
    }
}
