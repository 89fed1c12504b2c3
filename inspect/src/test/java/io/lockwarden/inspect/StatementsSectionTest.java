package io.lockwarden.inspect;

import static io.lockwarden.testkit.fixture.LockSessions.exec;
import static org.assertj.core.api.Assertions.assertThat;

import io.lockwarden.testkit.fixture.PostgresServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;

class StatementsSectionTest {

    @Test
    void advisoryLockStatementsFromPgStatStatementsAreIncludedWhenInstalled() throws Exception {
        try (PostgresServer server = PostgresServer.builder()
                .setting("shared_preload_libraries", "pg_stat_statements").start()) {
            try (Connection c = server.connect()) {
                assertThat(Inspector.of(server.dataSource()).snapshot().statements()).isEmpty();
                exec(c, "CREATE EXTENSION pg_stat_statements");
                for (int i = 0; i < 3; i++) {
                    exec(c, "SELECT pg_advisory_lock(12345)");
                    exec(c, "SELECT pg_advisory_unlock(12345)");
                }
                exec(c, "SELECT 1");
            }
            Snapshot s = Inspector.of(server.dataSource()).snapshot();
            assertThat(s.statements()).hasValueSatisfying(list -> {
                assertThat(list).anySatisfy(st -> {
                    assertThat(st.query()).contains("pg_advisory_lock(");
                    assertThat(st.calls()).isEqualTo(3);
                    assertThat(st.meanMillis()).isGreaterThanOrEqualTo(0);
                });
                assertThat(list).noneMatch(st -> st.query().equals("SELECT $1"));
            });
            assertThat(Inspector.builder(server.dataSource()).statements(false).build().snapshot().statements())
                    .isEmpty();
        }
    }

    /**
     * The lexer finds the literals the server's own lexer finds: each statement is run on a real server and
     * {@code pg_stat_statements}' normalised text (its constants located by PostgreSQL's scanner) must equal
     * {@link QueryText#normalize} of the statement.
     */
    @Test
    void queryTextPlaceholdersMatchPgStatStatementsOnTheTrickyLiterals() throws Exception {
        // structurally different statements: pg_stat_statements keeps one text per query shape (aliases aside)
        String[] corpus = {
            "SELECT 'it''s', E'a\\'b', $$x'y$$, $t$a$$b$t$ AS c",
            "SELECT 1_000 + 0x1F + 0o17 + 0b101 + 1e5 + .5 + 1. + 2.5E-3 AS n",
            "SELECT /* 'not' /* nested 'x' */ */ 'a' -- 'comment'\n, 'b' AS s",
            "SELECT 'con'\n  'tinued' AS s",
            "SELECT \"col'x\" FROM (SELECT 7 AS \"col'x\") t",
            "SELECT pg_advisory_lock(4242), pg_advisory_unlock(4242)",
            "SELECT B'1010', X'1F', E'\\\\' AS b",
            "SELECT upper($q$ $$ 'inner' $$ $q$) AS d",
            "SELECT lower(U&'d\\0061t') AS u",
            "SELECT length('host=db password=s3cret') AS conninfo",
        };
        try (PostgresServer server = PostgresServer.builder()
                .setting("shared_preload_libraries", "pg_stat_statements").start();
             Connection c = server.connect()) {
            exec(c, "CREATE EXTENSION pg_stat_statements");
            for (int i = 0; i < corpus.length; i++) {
                exec(c, corpus[i] + " /* lexcheck-" + i + " */");
            }
            for (int i = 0; i < corpus.length; i++) {
                String tagged = corpus[i] + " /* lexcheck-" + i + " */";
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT query FROM pg_stat_statements WHERE query LIKE '%' || ?")) {
                    ps.setString(1, "/* lexcheck-" + i + " */");
                    try (ResultSet rs = ps.executeQuery()) {
                        assertThat(rs.next()).as(tagged).isTrue();
                        assertThat(QueryText.normalize(tagged)).as(tagged).isEqualTo(rs.getString(1));
                    }
                }
            }
        }
    }
}
