package io.lockwarden.inspect;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What {@code pg_stat_activity} says about one backend that holds or waits for an advisory lock,
 * plus its blockers from {@code pg_blocking_pids}.
 *
 * <p>When the reading role lacks {@code pg_read_all_stats} (or {@code pg_monitor}) and the session
 * belongs to another role, PostgreSQL hides most columns: then {@link #detailsVisible()} is false and
 * the hidden fields are {@code null}. Nothing is guessed.
 *
 * @param pid             backend pid
 * @param user            role name, or null when hidden
 * @param database        database name, or null
 * @param applicationName {@code application_name} (visible even without privileges), or null
 * @param clientAddr      client IP address, or null for Unix sockets and hidden sessions
 * @param backendStart    when the session connected, or null when hidden
 * @param xactStart       when the open transaction began, or null (no transaction or hidden)
 * @param queryStart      when the current or last query began, or null
 * @param stateChange     when {@code state} last changed, or null
 * @param state           {@code active}, {@code idle}, {@code idle in transaction},
 *                        {@code idle in transaction (aborted)}, ...; null when hidden
 * @param waitEventType   e.g. {@code Lock}, or null
 * @param waitEvent       e.g. {@code advisory}, or null
 * @param backendXid      the transaction id when the open transaction has written; null otherwise
 * @param query           current or last query text, {@code <insufficient privilege>} when hidden; every
 *                        literal replaced by a placeholder ({@link QueryText#normalize}) unless the inspector
 *                        was built with {@code fullQueryText(true)}
 * @param backendType     {@code client backend} for ordinary sessions, or null when hidden
 * @param blockingPids    pids this session waits for (empty unless it waits on a lock)
 * @param detailsVisible  false when the reading role may not see this session's details
 */
public record SessionInfo(int pid, String user, String database, String applicationName, String clientAddr,
                          Instant backendStart, Instant xactStart, Instant queryStart, Instant stateChange,
                          String state, String waitEventType, String waitEvent, String backendXid, String query,
                          String backendType, List<Integer> blockingPids, boolean detailsVisible) {

    /** Copies the blocker list. */
    public SessionInfo {
        blockingPids = blockingPids == null ? List.of() : List.copyOf(blockingPids);
    }

    /** True when the session is {@code idle}: no transaction, any lock it holds is session-level. */
    public boolean idle() {
        return "idle".equals(state);
    }

    /** True when the session sits in an open transaction doing nothing (including the aborted variant). */
    public boolean idleInTransaction() {
        return state != null && state.startsWith("idle in transaction");
    }

    /** True when the session is running a statement. */
    public boolean active() {
        return "active".equals(state);
    }

    /** True when the session waits for a heavyweight lock ({@code wait_event_type = 'Lock'}). */
    public boolean waitingOnLock() {
        return "Lock".equals(waitEventType);
    }

    /** True when the open transaction has written (a transaction id was assigned): termination loses it. */
    public boolean hasUncommittedWrites() {
        return backendXid != null;
    }

    /** True for ordinary client sessions; false for background workers and hidden sessions. */
    public boolean clientBackend() {
        return "client backend".equals(backendType);
    }

    /** How long the session has been in its current state at {@code now}; empty when unknown. */
    public Optional<Duration> inStateFor(Instant now) {
        return stateChange == null ? Optional.empty() : Optional.of(nonNegative(Duration.between(stateChange, now)));
    }

    /** How long the open transaction has been running at {@code now}; empty when none or unknown. */
    public Optional<Duration> transactionAge(Instant now) {
        return xactStart == null ? Optional.empty() : Optional.of(nonNegative(Duration.between(xactStart, now)));
    }

    private static Duration nonNegative(Duration d) {
        return d.isNegative() ? Duration.ZERO : d;
    }
}
