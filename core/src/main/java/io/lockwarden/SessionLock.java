package io.lockwarden;

import io.lockwarden.internal.HeldLock;
import java.lang.ref.Cleaner;

/**
 * A held session-level advisory lock ({@code pg_advisory_lock}): it lasts until {@link #close()},
 * across any number of transactions. Use it in try-with-resources:
 * <pre>{@code
 * try (SessionLock lock = locks.acquire(LockKey.named("billing", "nightly-run"), Duration.ofSeconds(5))) {
 *     runNightlyBilling();
 * }
 * }</pre>
 *
 * <p>Taken through {@link AdvisoryLocks#acquire}, it lives on a dedicated connection taken from the
 * {@code DataSource} and kept out of the pool until {@link #close()} returns it. {@link #close()}
 * verifies that {@code pg_advisory_unlock} returned true and that the backend pid is still the one
 * that locked: a different pid means a transaction-pooling proxy (PgBouncer {@code pool_mode =
 * transaction}) sits in between, and close fails loudly instead of pretending.
 *
 * <p>A handle that becomes unreachable while held is reported at WARN with the stack trace of its
 * acquisition and released. Thread-safe; {@link #close()} is idempotent.
 */
public final class SessionLock implements AutoCloseable {
    private final HeldLock held;
    private final Cleaner.Cleanable cleanable;

    SessionLock(HeldLock held) {
        this.held = held;
        this.cleanable = HeldLock.CLEANER.register(this, held::abandoned);
    }

    /** The locked key. */
    public LockKey key() {
        return held.key();
    }

    /** Exclusive or shared. */
    public LockMode mode() {
        return held.mode();
    }

    /**
     * The fencing token issued with this lock: a number that strictly increases every time any client
     * acquires this key, so a write guarded by it ({@code UPDATE ... WHERE fence_token <= :token}, see
     * docs/core.md) is refused once a newer holder has written, even if this holder has lost the lock
     * without noticing yet. No round trip.
     *
     * @throws IllegalStateException when the {@link AdvisoryLocks} was built without
     *                               {@link AdvisoryLocks.Builder#fencingTokens(boolean) fencing tokens},
     *                               or the lock was taken on the caller's connection ({@code acquireOn})
     */
    public long fencingToken() {
        return held.fencingToken();
    }

    /** The server backend pid holding the lock ({@code pg_backend_pid()} when it was taken). */
    public int pid() {
        return held.pid();
    }

    /** Whether {@link #close()} has not been called yet. Does not ask the server. */
    public boolean isHeld() {
        return held.isHeld();
    }

    /**
     * Releases the lock (one round trip) and returns a dedicated connection to its pool. Idempotent.
     *
     * @throws UnsafeLockUsageException when the unlock ran on another backend than the one that
     *                                  locked: a transaction-pooling proxy is in between (the message
     *                                  names PgBouncer and the fix)
     * @throws LockLostException        when the lock was no longer held (its session ended, or
     *                                  something unlocked it behind Lockwarden's back)
     * @throws LockDatabaseException    when the unlock failed for another reason
     */
    @Override
    public void close() {
        try {
            held.release(true);
        } finally {
            cleanable.clean();
        }
    }

    /** The key, mode, pid and state, e.g. {@code session exclusive lock billing/x [...] on pid 123 (held)}. */
    @Override
    public String toString() {
        return held.toString();
    }
}
