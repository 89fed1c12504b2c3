package io.lockwarden.testkit;

import io.lockwarden.testkit.internal.PgLocksReader;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

/**
 * Assertions that no advisory lock is left held, usable from any test framework (or none): they read
 * {@code pg_locks} on a connection of their own and throw {@link AdvisoryLockLeakError} (an
 * {@link AssertionError}) listing every lock still held.
 *
 * <p>Locks of a session that is just closing can linger for a few milliseconds after the client closed
 * its connection (the backend exits asynchronously), so a check that finds locks looks again until
 * {@link LockCheckScope#settle()} has passed and fails only if they are still there. A clean check queries once.
 *
 * <p>Give the assertions a data source that opens a <em>new</em> connection (not a pool whose
 * connections the code under test uses; if it is one, a leaked lock on the borrowed connection is still
 * reported, since the check itself takes no advisory locks). Thread-safe; tests that check must not run
 * in parallel with tests that take locks in the same scope.
 */
public final class AdvisoryLockAssertions {
    private AdvisoryLockAssertions() {
    }

    /**
     * Fails when any advisory lock is held on the server, by any session.
     *
     * @throws AdvisoryLockLeakError listing the locks when some are held after the settle time
     * @throws IllegalStateException when the server cannot be queried (the message says why)
     */
    public static void assertNoAdvisoryLocks(DataSource dataSource) {
        assertNoAdvisoryLocks(dataSource, LockCheckScope.all());
    }

    /**
     * Fails when advisory locks in scope are held.
     *
     * @throws AdvisoryLockLeakError listing the locks when some are held after the settle time
     * @throws IllegalStateException when the server cannot be queried (the message says why)
     */
    public static void assertNoAdvisoryLocks(DataSource dataSource, LockCheckScope scope) {
        assertNoAdvisoryLocks(dataSource, scope, "now");
    }

    /**
     * Fails when advisory locks in scope are held; {@code context} says when, e.g. {@code "after test foo()"}.
     *
     * @throws AdvisoryLockLeakError listing the locks when some are held after the settle time
     * @throws IllegalStateException when the server cannot be queried (the message says why)
     */
    public static void assertNoAdvisoryLocks(DataSource dataSource, LockCheckScope scope, String context) {
        List<HeldAdvisoryLock> held = heldAdvisoryLocks(dataSource, scope);
        if (!held.isEmpty()) {
            throw new AdvisoryLockLeakError(context, scope, held);
        }
    }

    /**
     * The advisory locks in scope that are still held after the settle time (empty when none).
     *
     * @throws IllegalStateException when the server cannot be queried (the message says why)
     */
    public static List<HeldAdvisoryLock> heldAdvisoryLocks(DataSource dataSource, LockCheckScope scope) {
        Objects.requireNonNull(dataSource, "dataSource");
        Objects.requireNonNull(scope, "scope");
        long deadline = System.nanoTime() + scope.settle().toNanos();
        try (Connection c = dataSource.getConnection()) {
            if (!c.getAutoCommit()) {
                c.setAutoCommit(true);
            }
            List<HeldAdvisoryLock> held = PgLocksReader.read(c, scope);
            while (!held.isEmpty() && System.nanoTime() < deadline) {
                TimeUnit.MILLISECONDS.sleep(50);
                held = PgLocksReader.read(c, scope);
            }
            return held;
        } catch (SQLException | RuntimeException e) {
            throw new IllegalStateException("cannot read pg_locks to check for advisory lock leaks: "
                    + e.getMessage() + "; check that the data source given to the leak check reaches the server", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking for advisory lock leaks", e);
        }
    }
}
