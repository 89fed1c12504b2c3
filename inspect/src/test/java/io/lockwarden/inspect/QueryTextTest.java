package io.lockwarden.inspect;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every literal form PostgreSQL lexes is masked; identifiers, comments and parameters are kept (issue 21, 3). */
class QueryTextTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            ALTER ROLE app PASSWORD 's3cret'                         | ALTER ROLE app PASSWORD $1
            ALTER ROLE app PASSWORD $$s3cret$$                       | ALTER ROLE app PASSWORD $1
            ALTER ROLE app PASSWORD $pw$s3c$ret$pw$                  | ALTER ROLE app PASSWORD $1
            ALTER ROLE app PASSWORD E's3c\\'ret'                     | ALTER ROLE app PASSWORD $1
            SELECT e'a\\\\', 's3cret'                                | SELECT $1, $2
            ALTER ROLE app PASSWORD U&'s3\\0063ret'                  | ALTER ROLE app PASSWORD $1
            ALTER ROLE app PASSWORD U&'s3!0063ret' UESCAPE '!'       | ALTER ROLE app PASSWORD $1
            ALTER ROLE app PASSWORD /* note */ 's3cret'              | ALTER ROLE app PASSWORD /* note */ $1
            ALTER ROLE app PASSWORD /* a /* nested */ 'x' */ 's3cret' | ALTER ROLE app PASSWORD /* a /* nested */ 'x' */ $1
            SELECT dblink_connect('host=db password=s3cret')         | SELECT dblink_connect($1)
            SELECT 'it''s s3cret'                                    | SELECT $1
            SELECT N'nat', B'1010', X'1F', b'0', x'ff'               | SELECT $1, $2, $3, $4, $5
            SELECT 42, 1_000, .5, 1., 1e5, 2.5E-3, 0x1F, 0o17, 0b101  | SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9
            SELECT "password 's3cret'" FROM t                        | SELECT "password 's3cret'" FROM t
            SELECT "a""b", U&"d\\0061t" FROM t1                      | SELECT "a""b", U&"d\\0061t" FROM t1
            SELECT pg_advisory_lock($1) WHERE x = 's3cret'           | SELECT pg_advisory_lock($1) WHERE x = $2
            SELECT $3, 'a', $1                                       | SELECT $3, $4, $1
            SELECT col$1, t2.c3 FROM t2                              | SELECT col$1, t2.c3 FROM t2
            SELECT 'a\\' , 's3cret'                                  | SELECT $1 , $2
            SELECT interval '1 day', date '2026-01-01'::text         | SELECT interval $1, date $2::text
            SELECT arr[1:2] FROM t                                   | SELECT arr[$1:$2] FROM t
            SELECT 'cut off by track_activity_query_size s3cr        | SELECT $1
            SELECT $tag$never closed s3cret                          | SELECT $1
            SELECT E'cut \\' s3cret                                   | SELECT $1
            <insufficient privilege>                                 | <insufficient privilege>
            """)
    void literalsBecomePlaceholders(String sql, String expected) {
        assertThat(QueryText.normalize(sql)).isEqualTo(expected);
    }

    @Test
    void aCommentIsNotALiteralButALiteralAfterItIs() {
        assertThat(QueryText.normalize("SELECT 1 -- it's a comment 's3cret'\n, 's3cret'"))
                .isEqualTo("SELECT $1 -- it's a comment 's3cret'\n, $2");
    }

    @Test
    void aStringContinuedOnTheNextLineIsOneConstant() {
        assertThat(QueryText.normalize("SELECT 's3' \n -- part two\n 'cret', 'x' 'y'"))
                .isEqualTo("SELECT $1, $2 $3");
    }

    @Test
    void dollarQuotesNeedTheirOwnTagToClose() {
        assertThat(QueryText.normalize("DO $a$ BEGIN PERFORM $$x$$; RAISE 's3cret'; END $a$; SELECT 1"))
                .isEqualTo("DO $1; SELECT $2");
    }

    @Test
    void noLiteralOfAnAttackerSurvives() {
        String sql = "/* ' */ SELECT '/* s3cret */', E'\\'--s3cret', $q$'s3cret$q$, \"x\" || 's3cret'";
        assertThat(QueryText.normalize(sql)).doesNotContain("s3cret").isEqualTo("/* ' */ SELECT $1, $2, $3, \"x\" || $4");
    }

    @Test
    void nullAndEmptyStayAsTheyAre() {
        assertThat(QueryText.normalize(null)).isNull();
        assertThat(QueryText.normalize("")).isEmpty();
    }

    @Test
    void normalizingTwiceChangesNothing() {
        String once = QueryText.normalize("SELECT pg_advisory_lock(42), 'x', $$y$$, 1e5");
        assertThat(QueryText.normalize(once)).isEqualTo(once);
    }
}
