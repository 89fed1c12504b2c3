package io.lockwarden.spring.internal;

import io.lockwarden.CommitOutcomeUnknownException;
import io.lockwarden.LockKey;
import java.sql.SQLException;

/**
 * Maps a Spring commit that failed because the connection did (its reply never arrived) to core's
 * {@link CommitOutcomeUnknownException}, as {@code AdvisoryLocks.withLock} reports it: the transaction
 * may have committed, and a caller that retries blindly may apply the work twice. Commits the server
 * refused stay as Spring reported them (nothing was committed). Stateless and thread-safe.
 */
final class CommitOutcomes {
    private CommitOutcomes() {
    }

    /**
     * The exception to throw for {@code e}, raised while Spring completed a transaction under {@code key}.
     *
     * @param completing true when {@code e} is known to come from completing the transaction (the work had
     *                   returned); false when it may come from the work itself, and then only an exception
     *                   that names the commit counts
     * @return a {@link CommitOutcomeUnknownException} for a commit lost with its connection, else {@code e}
     */
    static RuntimeException translate(RuntimeException e, LockKey key, String method, boolean completing) {
        if (!completing && (e.getMessage() == null || !e.getMessage().toLowerCase().contains("commit"))) {
            return e;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && connectionLost(sql.getSQLState())) {
                return new CommitOutcomeUnknownException(key, 0, "the connection failed while Spring committed the "
                        + "transaction of " + method + " under lock " + key + " (" + sql.getMessage() + ", SQLSTATE "
                        + sql.getSQLState() + "): the server may have committed it or not; only the database can "
                        + "tell. The lock is released (its session ended, or the server ends it within the "
                        + "vanished-client timeout). Next: look up whether the method's effects are in the database "
                        + "before calling it again; retrying blindly may apply them twice.", sql);
            }
        }
        return e;
    }

    private static boolean connectionLost(String state) {
        return state == null || state.startsWith("08") || state.startsWith("57P");
    }
}
