package io.lockwarden.internal;

import io.lockwarden.LockDatabaseException;
import io.lockwarden.LockEvent;
import io.lockwarden.LockKey;
import io.lockwarden.LockLostException;
import io.lockwarden.LockMode;
import io.lockwarden.LockScope;
import io.lockwarden.LockwardenException;
import io.lockwarden.UnsafeLockUsageException;
import java.lang.ref.Cleaner;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The state behind a session or leader lock handle: the connection it lives on, the backend pid
 * that locked, where it was acquired, and whether it is still held. The public handles
 * ({@code SessionLock}, {@code LeaderLock}) are thin facades; this object is what the
 * {@link Cleaner} action, the pool guard's {@link LockLedger} and the heartbeat refer to, so that the
 * facade itself can become unreachable and be reported.
 *
 * <p>A lock on a dedicated connection is pinned: the connection keeps a transaction open from the lock
 * to the unlock ({@link PinnedSession}), so it stays on the backend that locked even behind a
 * transaction-pooling proxy, and its heartbeat proves it held without reading {@code pg_locks}.
 *
 * <p>Thread-safe: every use of the connection is synchronized on this object.
 */
public final class HeldLock {
    /** The cleaner that reports handles garbage collected while held. */
    public static final Cleaner CLEANER = Cleaner.create();

    private enum State { HELD, RELEASED, LOST }

    private final Connection connection;
    private final boolean dedicated;
    private final boolean originalAutoCommit;
    /** For a dedicated connection: what proves the lock still held (the backend and its open transaction). */
    private final PinnedSession.Pin pin;
    /** For a dedicated connection: the vanished-client bound its heartbeats renew, or null. */
    private final String idleBound;
    private final LockKey key;
    private final LockMode mode;
    private final LockScope scope;
    private final int pid;
    private final long fencingToken;
    private final Instant acquiredAt;
    private final Throwable acquisition;
    private final LockReporter reporter;
    private final LockLedger ledger;

    private volatile State state = State.HELD;
    private volatile LockLostException lostCause;
    private ScheduledFuture<?> heartbeat;
    private Consumer<LockLostException> onLost;
    private Integer restoreNetworkTimeout;
    private static final int RELEASE_TIMEOUT_MS = 10_000;

    /**
     * Records a lock just acquired on a dedicated connection, pinned by an open transaction.
     *
     * @param connection         the dedicated connection (autocommit off, transaction open)
     * @param originalAutoCommit the autocommit mode to give the connection back with
     * @param pin                the backend and transaction the lock was taken in
     * @param idleBound          the {@code idle_in_transaction_session_timeout} (ms) heartbeats renew, or null
     * @param fencingToken       the token issued with the lock, 0 when none was
     * @param waited             how long the acquisition waited (for the acquired event)
     */
    public HeldLock(Connection connection, boolean originalAutoCommit, LockKey key, LockMode mode, LockScope scope,
                    PinnedSession.Pin pin, String idleBound, long fencingToken, Duration waited,
                    LockReporter reporter) {
        this(connection, true, originalAutoCommit, key, mode, scope, pin.pid(), pin, idleBound, fencingToken, waited,
                reporter);
    }

    /**
     * Records an exclusive session lock just acquired on the caller's connection, which stays the caller's.
     *
     * @param waited how long the acquisition waited (for the acquired event)
     */
    public HeldLock(Connection connection, LockKey key, LockMode mode, int pid, Duration waited,
                    LockReporter reporter) {
        this(connection, false, false, key, mode, LockScope.SESSION, pid, null, null, 0, waited, reporter);
    }

    private HeldLock(Connection connection, boolean dedicated, boolean originalAutoCommit, LockKey key, LockMode mode,
                     LockScope scope, int pid, PinnedSession.Pin pin, String idleBound, long fencingToken,
                     Duration waited, LockReporter reporter) {
        this.connection = connection;
        this.dedicated = dedicated;
        this.originalAutoCommit = originalAutoCommit;
        this.pin = pin;
        this.idleBound = idleBound;
        this.key = key;
        this.mode = mode;
        this.scope = scope;
        this.pid = pid;
        this.fencingToken = fencingToken;
        this.reporter = reporter;
        this.acquiredAt = reporter.now();
        this.acquisition = new Throwable(scope.name().toLowerCase() + " lock " + key + " acquired on pid " + pid
                + " by thread '" + Thread.currentThread().getName() + "' here");
        this.ledger = LockLedger.of(connection);
        if (ledger != null) {
            ledger.add(this);
        }
        reporter.acquired(new LockEvent(key, scope, mode, pid, waited, Duration.ZERO));
    }

    /** The key. */
    public LockKey key() {
        return key;
    }

    /** The mode. */
    public LockMode mode() {
        return mode;
    }

    /** The backend pid that locked. */
    public int pid() {
        return pid;
    }

    /**
     * The fencing token issued with this lock.
     *
     * @throws IllegalStateException when none was issued
     */
    public long fencingToken() {
        if (fencingToken == 0) {
            throw new IllegalStateException(scope.name().toLowerCase() + " lock " + key + " has no fencing token: "
                    + (dedicated ? "its AdvisoryLocks was built without them. Fix: AdvisoryLocks.builder(dataSource)"
                    + ".fencingTokens(true)" : "tokens are issued only for locks on Lockwarden's own connection "
                    + "(acquire, holdLeader), whose increment commits with the lock. Fix: use acquire instead of "
                    + "acquireOn"));
        }
        return fencingToken;
    }

    /** Whether the lock is still believed held (not released, not lost). */
    public boolean isHeld() {
        return state == State.HELD;
    }

    /**
     * Throws {@link LockLostException} unless the lock is held, from what the last heartbeat saw.
     */
    public void checkHeld() {
        State s = state;
        if (s == State.HELD) {
            return;
        }
        LockLostException cause = lostCause;
        if (s == State.LOST && cause != null) {
            throw new LockLostException(key, pid, cause.getMessage(), cause);
        }
        throw new LockLostException(key, pid, "lock " + key + " on pid " + pid + " is no longer held: it was "
                + "released by close(). Next: acquire it again before doing work that needs it.", null);
    }

    /** Checks on the server now (one round trip) that the lock is held; reports and throws if not. */
    public void verifyHeld() {
        beat();
        checkHeld();
    }

    /**
     * Starts checking the lock every {@code interval / 2} (so that a loss is seen within one
     * interval), with a network timeout of {@code interval / 2} on the connection so that a dropped
     * network cannot block the check. Each check is also what keeps the pinning transaction from
     * sitting idle past {@code idle_in_transaction_session_timeout}. {@code onLost}, when not null, is
     * called once, on a Lockwarden thread.
     *
     * @throws IllegalStateException for a lock on the caller's connection (only dedicated ones beat)
     */
    public synchronized void startHeartbeat(Duration interval, Consumer<LockLostException> onLost) {
        if (!dedicated) {
            throw new IllegalStateException("only locks on Lockwarden's own connection have a heartbeat");
        }
        long half = Math.max(1, interval.toMillis() / 2);
        this.onLost = onLost;
        try {
            restoreNetworkTimeout = connection.getNetworkTimeout();
            connection.setNetworkTimeout(Runnable::run, (int) Math.min(Integer.MAX_VALUE, half));
        } catch (SQLException | UnsupportedOperationException e) {
            reporter.warn("cannot set a network timeout on the connection holding leader lock {}: {}; a dropped "
                    + "network may be noticed late", key, e.toString());
        }
        heartbeat = LockwardenThreads.scheduler().scheduleWithFixedDelay(this::beat, half, half, TimeUnit.MILLISECONDS);
    }

    /** One heartbeat: confirms the backend and the lock; marks the lock lost otherwise. */
    void beat() {
        LockLostException lost = null;
        synchronized (this) {
            if (state != State.HELD) {
                return;
            }
            try {
                PinnedSession.Pin now = PinnedSession.current(connection, idleBound);
                if (now.pid() != pid) {
                    lost = lose("the connection now reaches backend pid " + now.pid() + " instead of " + pid
                            + " (its pinning transaction ended), so the lock can no longer be proven held.", null);
                } else if (!now.transactionStart().equals(pin.transactionStart())) {
                    lost = lose("the transaction that pinned backend pid " + pid + " ended (it started at "
                            + pin.transactionStart() + ", the connection is now in one that started at "
                            + now.transactionStart() + "), so the lock can no longer be proven held.", null);
                }
            } catch (SQLException e) {
                lost = lose("the heartbeat on backend pid " + pid + " failed (" + e.getMessage() + ", SQLSTATE "
                        + e.getSQLState() + "): the backend was terminated, the server restarted, the network "
                        + "dropped, or the session sat idle past idle_in_transaction_session_timeout (a paused "
                        + "JVM, a heartbeat slower than the vanished-client timeout) or a pooler's "
                        + "idle_transaction_timeout; the lock can no longer be proven held.", e);
            } catch (RuntimeException e) {
                lost = lose("the heartbeat on backend pid " + pid + " failed unexpectedly (" + e + ").", e);
            }
        }
        if (lost != null) {
            announceLost(lost);
        }
    }

    /** Must hold the monitor. Marks lost, stops the heartbeat and drops the connection. */
    private LockLostException lose(String why, Throwable cause) {
        LockLostException lost = new LockLostException(key, pid, scope.name().toLowerCase() + " lock " + key
                + " LOST: " + why + " Work relying on it may have run without mutual exclusion since the last "
                + "successful check. Next: stop that work now and acquire the lock again.", cause);
        state = State.LOST;
        lostCause = lost;
        stopHeartbeat();
        if (ledger != null) {
            ledger.remove(this);
        }
        if (dedicated) {
            // The server may still hold the lock (e.g. a slow network): ending the session is what releases it.
            abortQuietly();
        }
        return lost;
    }

    private void announceLost(LockLostException lost) {
        reporter.lost(event(), lost);
        Consumer<LockLostException> callback;
        synchronized (this) {
            callback = onLost;
        }
        if (callback != null) {
            try {
                callback.accept(lost);
            } catch (RuntimeException | Error e) {
                reporter.warn("the lost-lock callback of {} threw; ignored", key, e);
            }
        }
    }

    /**
     * Releases the lock: verifies that {@code pg_advisory_unlock} returned true on the backend that
     * locked, then returns a dedicated connection to its pool. Idempotent.
     *
     * @param throwIfLost whether a lock already found lost by the heartbeat makes this throw
     * @throws UnsafeLockUsageException when the unlock ran on another backend (transaction pooling)
     * @throws LockLostException        when the lock was not held any more
     * @throws LockDatabaseException    when the unlock failed for another reason
     */
    public void release(boolean throwIfLost) {
        LockLostException lostEarlier;
        synchronized (this) {
            if (state == State.RELEASED) {
                return;
            }
            if (state == State.LOST) {
                state = State.RELEASED;
                lostEarlier = lostCause;
            } else {
                lostEarlier = null;
                state = State.RELEASED;
                stopHeartbeat();
                if (ledger != null) {
                    ledger.remove(this);
                }
                releaseHeld();
                return;
            }
        }
        if (throwIfLost && lostEarlier != null) {
            throw new LockLostException(key, pid, lostEarlier.getMessage(), lostEarlier);
        }
    }

    /** Must hold the monitor; the state is already RELEASED. */
    private void releaseHeld() {
        boolean clean = false;
        relaxNetworkTimeout();
        try {
            Unlocked u = unlockOn(connection);
            if (u.pid() != pid || !u.samePin()) {
                LockwardenException e = new UnsafeLockUsageException(key, "session lock " + key + " was taken on "
                        + "backend pid " + pid + " but released through backend pid " + u.pid() + (u.unlocked()
                        ? " (where it released a leaked copy of the same lock held by someone else)" : "")
                        + ": a transaction-pooling proxy (PgBouncer pool_mode=transaction, or similar) sits between "
                        + "the application and PostgreSQL, so session locks do not stay with this client and the "
                        + "original lock is still held on pid " + pid + " for whoever lands there next. Fix: take "
                        + "session locks with AdvisoryLocks.acquire (its own pinned connection), or use the "
                        + "transaction-scoped AdvisoryLocks.withLock; both are safe behind transaction pooling.");
                reporter.failed(event(), e, false);
                throw e;
            }
            if (!u.unlocked()) {
                LockLostException e = new LockLostException(key, pid, "session lock " + key + " was no longer held "
                        + "by backend pid " + pid + " at release (pg_advisory_unlock returned false): someone ran "
                        + "pg_advisory_unlock_all() or unlocked it on this session, so the work may have run "
                        + "without mutual exclusion. Next: find the code that unlocks behind Lockwarden's back.", null);
                reporter.lost(event(), e);
                throw e;
            }
            clean = true;
            reporter.released(event());
        } catch (SQLException e) {
            if (LockStatements.sessionEnded(e)) {
                LockLostException lost = new LockLostException(key, pid, "session lock " + key + " was lost before "
                        + "release: backend pid " + pid + " is gone (" + e.getMessage() + ", SQLSTATE " + e.getSQLState()
                        + "), which released the lock at that moment; work after that ran without mutual exclusion. "
                        + "Next: use a LeaderLock (heartbeat, lost-lock callback) for long holds, and check "
                        + "idle_in_transaction_session_timeout and the pooler's idle_transaction_timeout.", e);
                reporter.lost(event(), lost);
                throw lost;
            }
            LockDatabaseException failure = LockStatements.database(List.of(key), "releasing session lock " + key
                    + " on pid " + pid, e);
            reporter.failed(event(), failure, false);
            throw failure;
        } finally {
            if (dedicated) {
                closeDedicated(clean);
            }
        }
    }

    /** What an unlock returned and where it ran; {@code samePin} is false when a pinned transaction was left. */
    private record Unlocked(boolean unlocked, int pid, boolean samePin) {
    }

    /** Unlocks on {@code on}: for a pinned lock in the same flight as the COMMIT ending the pinning transaction. */
    private Unlocked unlockOn(Connection on) throws SQLException {
        if (pin == null) {
            LockStatements.Unlock u = LockStatements.unlock(on, key, mode);
            return new Unlocked(u.unlocked(), u.pid(), true);
        }
        PinnedSession.Released r = PinnedSession.unlock(on, key, mode);
        return new Unlocked(r.unlocked(), r.pin().pid(), r.pin().transactionStart().equals(pin.transactionStart()));
    }

    /** The {@link Cleaner} action: reports and releases a lock whose handle was garbage collected. */
    public void abandoned() {
        releaseAbandoned(connection, "its handle was garbage collected (never closed)");
    }

    /** Called by the pool guard when the connection holding this lock is returned to the pool. */
    void releaseOnReturn(Connection raw) {
        releaseAbandoned(raw, "its connection was returned to the pool");
    }

    private void releaseAbandoned(Connection on, String why) {
        synchronized (this) {
            if (state != State.HELD) {
                return;
            }
            state = State.RELEASED;
            stopHeartbeat();
            if (ledger != null) {
                ledger.remove(this);
            }
            reporter.abandoned(event(), acquisition, why);
            boolean clean = false;
            try {
                Unlocked u = unlockOn(on);
                clean = u.unlocked() && u.pid() == pid && u.samePin();
                if (!clean) {
                    reporter.warn("releasing abandoned lock {} did not verify (unlock returned {} on pid {}, locked "
                            + "on pid {})", key, u.unlocked(), u.pid(), pid);
                }
            } catch (SQLException e) {
                reporter.warn("releasing abandoned lock {} on pid {} failed: {} (SQLSTATE {})", key, pid,
                        e.getMessage(), e.getSQLState());
            } finally {
                if (dedicated) {
                    closeDedicated(clean);
                }
            }
        }
    }

    private void closeDedicated(boolean clean) {
        if (!clean) {
            // Never hand a connection that may still hold the lock back to a pool.
            abortQuietly();
        }
        try {
            if (restoreNetworkTimeout != null && clean) {
                connection.setNetworkTimeout(Runnable::run, restoreNetworkTimeout);
            }
            if (clean && originalAutoCommit) {
                connection.setAutoCommit(true); // the pinning transaction is already committed: no round trip
            }
        } catch (SQLException e) {
            reporter.warn("cannot restore the connection of lock {} before returning it: {}", key, e.toString());
        }
        try {
            connection.close();
        } catch (SQLException e) {
            reporter.warn("closing the connection of lock {} failed: {}", key, e.toString());
        }
    }

    private void abortQuietly() {
        try {
            connection.abort(Runnable::run);
        } catch (SQLException | RuntimeException e) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // already reported through the abort failure below
            }
            reporter.warn("cannot abort the connection of lock {}: {}", key, e.toString());
        }
    }

    /**
     * The heartbeat's network timeout (half an interval) is meant for its own tiny statement; the
     * release, which a loaded server may take longer to answer, gets at least {@value #RELEASE_TIMEOUT_MS} ms.
     */
    private void relaxNetworkTimeout() {
        if (restoreNetworkTimeout == null) {
            return;
        }
        try {
            if (connection.getNetworkTimeout() < RELEASE_TIMEOUT_MS) {
                connection.setNetworkTimeout(Runnable::run, RELEASE_TIMEOUT_MS);
            }
        } catch (SQLException | RuntimeException e) {
            reporter.warn("cannot relax the network timeout of lock {} for its release: {}", key, e.toString());
        }
    }

    private void stopHeartbeat() {
        if (heartbeat != null) {
            heartbeat.cancel(false);
            heartbeat = null;
        }
    }

    private LockEvent event() {
        return new LockEvent(key, scope, mode, pid, Duration.ZERO, reporter.since(acquiredAt));
    }

    @Override
    public String toString() {
        return scope.name().toLowerCase() + " " + mode.name().toLowerCase() + " lock " + key + " on pid " + pid
                + (fencingToken == 0 ? "" : ", fencing token " + fencingToken) + " (" + state.name().toLowerCase() + ")";
    }
}
