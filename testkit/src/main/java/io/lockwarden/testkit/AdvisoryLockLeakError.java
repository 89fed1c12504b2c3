package io.lockwarden.testkit;

import java.util.List;

/**
 * Thrown by a leak check that found advisory locks still held: an {@link AssertionError}, so test
 * frameworks report it as a test failure. The message lists every lock with key, pid, application,
 * state and last query, and says what to do next.
 */
public final class AdvisoryLockLeakError extends AssertionError {
    private static final long serialVersionUID = 1L;

    /** The locks found; never empty. Not serialized. */
    private final transient List<HeldAdvisoryLock> locks;

    /**
     * Creates the error.
     *
     * @param context what was checked, e.g. {@code "after test leaksALock()"}
     * @param scope   the scope that was checked
     * @param locks   the locks found, not empty
     */
    public AdvisoryLockLeakError(String context, LockCheckScope scope, List<HeldAdvisoryLock> locks) {
        super(message(context, scope, locks));
        this.locks = List.copyOf(locks);
    }

    /** The locks found still held. */
    public List<HeldAdvisoryLock> locks() {
        return locks;
    }

    private static String message(String context, LockCheckScope scope, List<HeldAdvisoryLock> locks) {
        StringBuilder s = new StringBuilder();
        s.append(locks.size()).append(" advisory lock").append(locks.size() == 1 ? " is" : "s are")
                .append(" still held ").append(context).append(" (scope: ").append(scope.describe()).append("):");
        for (HeldAdvisoryLock l : locks) {
            s.append("\n  - ").append(l.describe());
        }
        s.append("\nA session-level lock (pg_advisory_lock) survives COMMIT and ROLLBACK and stays with a pooled "
                + "connection: release it in a finally block, or use transaction-scoped locks "
                + "(pg_advisory_xact_lock / AdvisoryLocks.withLock). State 'idle' means nobody is using it.");
        return s.toString();
    }
}
