package io.lockwarden.watch.internal;

import io.lockwarden.LockKey;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;

/**
 * Ends one session only if it still matches, checked on the server in the statement that terminates.
 * The watchdog's enforcement goes through this seam only, so that it can be pointed at inspect's public
 * safe-termination API (the one {@code lockwarden release} uses) without touching the policy code.
 * Implementations are stateless and thread-safe.
 */
public interface SessionTerminator {

    /**
     * What must still be true for the session to be ended.
     *
     * @param pid          the backend pid
     * @param backendStart its {@code backend_start} in the sample (a different value means the pid was reused)
     * @param minIdle      it must have been {@code idle} at least this long
     * @param fenceKey     the leader lock this replica holds on the target; null for no fence
     * @param fencePid     the backend holding {@code fenceKey} for this replica
     */
    record Request(int pid, Instant backendStart, Duration minIdle, LockKey fenceKey, int fencePid) {
    }

    /**
     * The outcome.
     *
     * @param terminated true when the session was ended and confirmed gone
     * @param outcome    {@code terminated}, {@code recheck-failed} or {@code not-confirmed}
     * @param reason     why it was not terminated (what changed since the sample), or null
     */
    record Result(boolean terminated, String outcome, String reason) {
    }

    /**
     * Rechecks and terminates in one statement, then reports.
     *
     * @throws SQLException when the statement fails (connection lost, permission denied)
     */
    Result terminate(Connection c, Request r) throws SQLException;
}
