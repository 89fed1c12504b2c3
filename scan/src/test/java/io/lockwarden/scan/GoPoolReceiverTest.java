package io.lockwarden.scan;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Go: a lock or unlock whose SQL has no lock call at the call site and whose receiver is a pool only by its
 * declared type (struct field, embedded field, parameter, {@code :=} from a constructor), each next to the
 * fixed shape, which must stay quiet. Code written for this test.
 */
class GoPoolReceiverTest {
    @TempDir
    Path dir;

    private List<Finding> scan(String name, String go) throws IOException {
        Files.writeString(dir.resolve(name), go);
        return Scanner.builder().baseDirectory(dir).build().scan(List.of(dir.resolve(name))).findings();
    }

    private static List<String> at(List<Finding> fs, String rule) {
        return fs.stream().filter(f -> f.rule().id().equals(rule)).map(f -> f.line() + ": " + f.message()).toList();
    }

    private static void quiet(List<Finding> fs) {
        assertThat(fs).noneMatch(f -> f.severity() == Severity.ERROR);
    }

    @Test
    void lockAndUnlockThroughAStructFieldOfTypeSqlDbAreReportedWithTheFieldAndTheFix() throws IOException {
        String bad = """
                package store

                import "database/sql"

                type Store struct {
                \tdb   *sql.DB
                \theld bool
                }

                func (s *Store) Lock(key int64) error {
                \tq := `SELECT pg_try_advisory_lock($1)`
                \tvar ok bool
                \tif err := s.db.QueryRow(q, key).Scan(&ok); err != nil {
                \t\treturn err
                \t}
                \ts.held = ok
                \treturn nil
                }

                func (s *Store) Unlock(key int64) error {
                \t_, err := s.db.Exec("SELECT pg_advisory_unlock($1)", key)
                \ts.held = false
                \treturn err
                }
                """;
        String good = bad.replace("\tdb   *sql.DB", "\tdb   *sql.Conn");

        List<Finding> b = scan("bad_store.go", bad);
        List<Finding> g = scan("good_store.go", good);

        assertThat(at(b, "LW109")).satisfiesExactly(
                m -> assertThat(m).startsWith("13: pg_try_advisory_lock($1) runs through s.db.QueryRow on s.db, a *sql.DB "
                        + "(field db of Store, line 6)").contains("Fix: pin one session: conn, err := s.db.Conn(ctx)"),
                m -> assertThat(m).startsWith("21: pg_advisory_unlock($1) runs through s.db.Exec on s.db, a *sql.DB"));
        quiet(g);
    }

    @Test
    void aLockFunctionFormattedAtRunTimeThroughAPoolIsReported() throws IOException {
        String bad = """
                package migrate

                import (
                \t"database/sql"
                \t"fmt"
                )

                type locker struct {
                \tdb  *sql.DB
                \tkey int64
                }

                func (l *locker) exec(m string) {
                \t_, err := l.db.Exec(fmt.Sprintf("SELECT pg_advisory_%s(%d)", m, l.key))
                \tif err != nil {
                \t\tpanic(err)
                \t}
                }

                func (l *locker) Lock()   { l.exec("lock") }
                func (l *locker) Unlock() { l.exec("unlock") }
                """;
        String good = bad.replace("\tdb  *sql.DB", "\tdb  *sql.Conn");

        assertThat(at(scan("bad_locker.go", bad), "LW109")).singleElement().asString()
                .startsWith("14: l.db.Exec runs the advisory lock function built from \"SELECT pg_advisory_%s(%d)\" on l.db, "
                        + "a *sql.DB (field db of locker, line 9)");
        quiet(scan("good_locker.go", good));
    }

    @Test
    void aTryLockThroughAnEmbeddedPoolNextToAnUnusedPinnedConnectionIsReported() throws IOException {
        String bad = """
                package db

                import (
                \t"context"

                \t"github.com/jmoiron/sqlx"
                )

                type Client struct {
                \t*sqlx.DB
                }

                type Lock struct {
                \tconn *sqlx.Conn
                }

                func (c Client) TryLock(ctx context.Context, id int64) (*Lock, error) {
                \tconn, err := c.Connx(ctx)
                \tif err != nil {
                \t\treturn nil, err
                \t}
                \tvar ok bool
                \tif err := c.GetContext(ctx, &ok, "SELECT pg_try_advisory_lock($1)", id); err != nil || !ok {
                \t\tconn.Close()
                \t\treturn nil, err
                \t}
                \treturn &Lock{conn: conn}, nil
                }
                """;
        String good = bad.replace("c.GetContext(ctx, &ok,", "conn.GetContext(ctx, &ok,");

        assertThat(at(scan("bad_client.go", bad), "LW109")).singleElement().asString()
                .contains("c, a sqlx.DB (receiver of type Client, which embeds sqlx.DB")
                .contains("conn (line 18) is a pinned connection, but the lock does not run on it")
                .contains("Fix: run the lock and the unlock on conn");
        quiet(scan("good_client.go", good));
    }

    @Test
    void aTransactionLevelLockSentAloneThroughAPgxPoolIsReportedAndOneInATransactionIsNot() throws IOException {
        String bad = """
                package jobs

                import (
                \t"context"

                \t"github.com/jackc/pgx/v5/pgxpool"
                )

                const lockSQL = "SELECT pg_advisory_xact_lock($1)"

                func Run(ctx context.Context, url string, key int64) error {
                \tpool, err := pgxpool.New(ctx, url)
                \tif err != nil {
                \t\treturn err
                \t}
                \tif _, err := pool.Exec(ctx, lockSQL, key); err != nil {
                \t\treturn err
                \t}
                \t_, err = pool.Exec(ctx, "UPDATE jobs SET state = 'running'")
                \treturn err
                }
                """;
        String good = bad.replace("\tif _, err := pool.Exec(ctx, lockSQL, key); err != nil {",
                "\ttx, err := pool.Begin(ctx)\n\tif err != nil {\n\t\treturn err\n\t}\n\tdefer tx.Rollback(ctx)\n"
                        + "\tif _, err := tx.Exec(ctx, lockSQL, key); err != nil {")
                .replace("\t_, err = pool.Exec(ctx, \"UPDATE", "\t_, err = tx.Exec(ctx, \"UPDATE");

        assertThat(at(scan("bad_jobs.go", bad), "LW103")).singleElement().asString()
                .startsWith("16: pg_advisory_xact_lock($1) runs alone through pool.Exec on pool, a *pgxpool.Pool "
                        + "(assigned from pgxpool.New(...), line 12), in autocommit");
        quiet(scan("good_jobs.go", good));
    }
}
