package io.lockwarden.inspect;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A prepared transaction ({@code PREPARE TRANSACTION}) that holds advisory locks. Its locks have no
 * session ({@code pg_locks.pid} is null; {@code pg_blocking_pids} reports its waiters as blocked by pid 0),
 * survive a server restart, and no {@code pg_terminate_backend} can end them: only
 * {@code COMMIT PREPARED} or {@code ROLLBACK PREPARED} of its {@link #gid()} does, run in its database.
 *
 * @param gid         the global transaction id given to {@code PREPARE TRANSACTION}
 * @param owner       the role that prepared it
 * @param database    the database it belongs to (where COMMIT/ROLLBACK PREPARED must run)
 * @param preparedAt  when it was prepared
 * @param transaction its transaction id ({@code pg_prepared_xacts.transaction})
 * @param locks       its advisory lock rows; {@link AdvisoryLockRow#pid()} is 0, as in {@code pg_blocking_pids}
 */
public record PreparedTransaction(String gid, String owner, String database, Instant preparedAt, String transaction,
                                  List<AdvisoryLockRow> locks) {

    /** The pid PostgreSQL reports for a prepared transaction in {@code pg_blocking_pids}. */
    public static final int PID = 0;

    /** Copies the list. @throws NullPointerException when gid is null */
    public PreparedTransaction {
        Objects.requireNonNull(gid, "gid");
        locks = List.copyOf(locks);
    }

    /** How long ago it was prepared at {@code now}; zero when unknown. */
    public Duration age(Instant now) {
        if (preparedAt == null) {
            return Duration.ZERO;
        }
        Duration d = Duration.between(preparedAt, now);
        return d.isNegative() ? Duration.ZERO : d;
    }

    /** The SQL that rolls it back, with the gid quoted as a string literal. */
    public String rollbackSql() {
        return "ROLLBACK PREPARED " + literal(gid);
    }

    /** The SQL that commits it, with the gid quoted as a string literal. */
    public String commitSql() {
        return "COMMIT PREPARED " + literal(gid);
    }

    private static String literal(String s) {
        return "'" + s.replace("'", "''") + "'";
    }
}
