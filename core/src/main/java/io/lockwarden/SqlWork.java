package io.lockwarden;

import java.sql.Connection;

/**
 * Work run under a lock, inside the transaction that holds it.
 *
 * <p>The connection is Lockwarden's: do not commit, roll back, change autocommit or close it (a
 * commit would release the lock before the work is done). Lockwarden commits when the work returns
 * and rolls back when it throws.
 *
 * @param <T> the work's result
 */
@FunctionalInterface
public interface SqlWork<T> {
    /**
     * Runs the work.
     *
     * @param connection the connection whose transaction holds the lock
     * @return the result handed back to the caller
     * @throws Exception anything; the transaction is then rolled back. Checked exceptions reach the
     *                   caller wrapped in {@link LockedWorkException}, unchecked ones unchanged.
     */
    T run(Connection connection) throws Exception;
}
