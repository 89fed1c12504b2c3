package io.lockwarden;

import io.lockwarden.internal.HeldLock;
import java.lang.ref.Cleaner;

/**
 * A long-held exclusive session lock for leader election and singleton jobs, watched by a heartbeat
 * on its dedicated connection. Obtain one with {@link AdvisoryLocks#holdLeader} or
 * {@link AdvisoryLocks#tryHoldLeader}:
 * <pre>{@code
 * try (LeaderLock leader = locks.holdLeader(LockKey.named("jobs", "scheduler"), lost -> scheduler.stop())) {
 *     while (running) { leader.checkHeld(); runOneRound(); }
 * }
 * }</pre>
 *
 * <p>The heartbeat checks, every half {@linkplain AdvisoryLocks.Builder#heartbeat(java.time.Duration)
 * heartbeat interval}, that the backend pid is unchanged and still holds the lock, with a network
 * timeout of half an interval; so when the backend is terminated, the server restarts or the network
 * drops, the lock is marked lost and the callback runs within one interval. A lock that cannot be
 * proven held counts as lost (its connection is then aborted, which releases it on the server if it
 * was still there). Call {@link #checkHeld()} right before critical writes, or {@link #verifyHeld()}
 * for a check on the server at that moment.
 *
 * <p>Thread-safe; {@link #close()} is idempotent. A handle garbage collected while held is reported
 * at WARN with its acquisition stack trace and released: keep a reference for as long as you lead.
 */
public final class LeaderLock implements AutoCloseable {
    private final HeldLock held;
    private final Cleaner.Cleanable cleanable;

    LeaderLock(HeldLock held) {
        this.held = held;
        this.cleanable = HeldLock.CLEANER.register(this, held::abandoned);
    }

    /** The locked key. */
    public LockKey key() {
        return held.key();
    }

    /**
     * The fencing token issued with this lock: a number that strictly increases every time any client
     * acquires this key, so a write guarded by it ({@code UPDATE ... WHERE fence_token <= :token}, see
     * docs/core.md) is refused once a newer holder has written, even if this holder has lost the lock
     * without noticing yet. No round trip.
     *
     * @throws IllegalStateException when the {@link AdvisoryLocks} was built without
     *                               {@link AdvisoryLocks.Builder#fencingTokens(boolean) fencing tokens}
     */
    public long fencingToken() {
        return held.fencingToken();
    }

    /** The server backend pid holding the lock. */
    public int pid() {
        return held.pid();
    }

    /** Whether the lock is held as of the last heartbeat (false once lost or closed). No round trip. */
    public boolean isHeld() {
        return held.isHeld();
    }

    /**
     * Throws unless the lock is held as of the last heartbeat. No round trip; call it before every
     * critical write.
     *
     * @throws LockLostException when the lock was lost (the cause is the original loss) or closed
     */
    public void checkHeld() {
        held.checkHeld();
    }

    /**
     * Asks the server now (one round trip) whether this backend still holds the lock; on failure marks
     * it lost (running the callback) and throws.
     *
     * @throws LockLostException when the lock is not held
     */
    public void verifyHeld() {
        held.verifyHeld();
    }

    /**
     * Gives up leadership: stops the heartbeat, releases the lock and returns the connection.
     * Idempotent; after a loss it only cleans up (the loss was already reported to the callback).
     *
     * @throws UnsafeLockUsageException when the unlock ran on another backend (transaction pooling)
     * @throws LockLostException        when the release finds the lock already gone (a loss that
     *                                  happened after the last heartbeat)
     * @throws LockDatabaseException    when the unlock failed for another reason
     */
    @Override
    public void close() {
        try {
            held.release(false);
        } finally {
            cleanable.clean();
        }
    }

    /** The key, pid and state. */
    @Override
    public String toString() {
        return held.toString();
    }
}
