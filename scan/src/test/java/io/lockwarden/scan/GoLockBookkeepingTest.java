package io.lockwarden.scan;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Go: a leader lock kept on a connection in a struct field, with a held flag, that re-runs the try-lock on every
 * call (stacking re-entrant holds) and releases once, next to the same type that checks its flag first. Code
 * written for this test.
 */
class GoLockBookkeepingTest {
    private static final String LEADER = """
            package leader

            import (
            \t"context"
            \t"database/sql"
            )

            type Leader struct {
            \tconn *sql.Conn
            \theld bool
            }

            func (l *Leader) TryLead(ctx context.Context, id int64) (bool, error) {
            %s\tvar ok bool
            \tif err := l.conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", id).Scan(&ok); err != nil {
            \t\treturn false, err
            \t}
            \tl.held = ok
            \treturn ok, nil
            }

            func (l *Leader) Resign(ctx context.Context, id int64) error {
            \tvar ok bool
            \tif err := l.conn.QueryRowContext(ctx, "SELECT pg_advisory_unlock($1)", id).Scan(&ok); err != nil {
            \t\treturn err
            \t}
            \tl.held = false
            \treturn nil
            }
            """;

    @TempDir
    Path dir;

    private List<Finding> scan(String name, String go) throws IOException {
        Files.writeString(dir.resolve(name), go);
        return Scanner.builder().baseDirectory(dir).build().scan(List.of(dir.resolve(name))).findings().stream()
                .filter(f -> f.rule() == Rule.REENTRANT_SESSION_LOCK).toList();
    }

    @Test
    void aTryLockThatIgnoresItsHeldFlagStacksHoldsAndTheSingleUnlockIsReported() throws IOException {
        List<Finding> bad = scan("bad_leader.go", LEADER.formatted(""));
        List<Finding> good = scan("good_leader.go", LEADER.formatted("\tif l.held {\n\t\treturn true, nil\n\t}\n"));

        assertThat(bad).extracting(f -> f.line() + ": " + f.message()).satisfiesExactly(
                m -> assertThat(m).startsWith("15: pg_try_advisory_lock($1) in TryLead runs on the connection kept in "
                        + "Leader.conn without first checking the lock's held flag"),
                m -> assertThat(m).startsWith("24: pg_advisory_unlock($1) in Resign releases one hold, but TryLead "
                        + "(line 15) may have stacked several on Leader.conn"));
        assertThat(bad).allMatch(f -> f.severity() == Severity.WARNING);
        assertThat(good).isEmpty();
    }

    private static final String UNLOCKER = """
            package lock

            import (
            \t"context"
            \t"database/sql"
            \t"fmt"
            )

            type Lock struct {
            \tconn *sql.Conn
            \tname string
            }

            func (l *Lock) Unlock(ctx context.Context) error {
            \trow := l.conn.QueryRowContext(ctx, "SELECT pg_advisory_unlock(hashtext($1))", l.name)
            \twasHeld := true
            %s
            \treturn l.conn.Close()
            }
            """;

    @Test
    void anUnlockWhoseScanErrorAndResultAreThrownAwayBeforeCloseIsReported() throws IOException {
        String bad = UNLOCKER.formatted("\t_ = row.Scan(&wasHeld)");
        String good = UNLOCKER.formatted("\tif err := row.Scan(&wasHeld); err != nil {\n\t\treturn err\n\t}\n"
                + "\tif !wasHeld {\n\t\treturn fmt.Errorf(\"lock %%s was not held\", l.name)\n\t}");

        List<Finding> b = unlockFindings("bad_unlock.go", bad);
        List<Finding> g = unlockFindings("good_unlock.go", good);

        assertThat(b).extracting(f -> f.line() + ": " + f.message()).singleElement().asString()
                .startsWith("15: the unlock's error and result are thrown away (row.Scan on line 17) and wasHeld is "
                        + "never checked")
                .contains("on the session that Close() on line 18 hands back to the pool");
        assertThat(g).isEmpty();
    }

    private List<Finding> unlockFindings(String name, String go) throws IOException {
        Files.writeString(dir.resolve(name), go);
        return Scanner.builder().baseDirectory(dir).build().scan(List.of(dir.resolve(name))).findings().stream()
                .filter(f -> f.rule() == Rule.UNLOCK_RESULT_IGNORED).toList();
    }
}
