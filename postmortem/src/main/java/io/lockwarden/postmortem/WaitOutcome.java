package io.lockwarden.postmortem;

/** How a logged advisory lock wait ended, as far as the log shows. */
public enum WaitOutcome {
    /** The waiter got the lock ({@code process N acquired ...}). */
    ACQUIRED,
    /** {@code canceling statement due to lock timeout} (SQLSTATE 55P03). */
    LOCK_TIMEOUT,
    /** The waiter was chosen as the deadlock victim ({@code deadlock detected}, 40P01). */
    DEADLOCK,
    /** The statement was canceled (user request, {@code pg_cancel_backend}, statement timeout). */
    CANCELED,
    /** The waiting session was terminated ({@code terminating connection due to ...}) or the server restarted. */
    TERMINATED,
    /** Still waiting at the end of the log. */
    STILL_WAITING,
    /** The log does not say (e.g. the session ended without a message, or the next wait began). */
    UNKNOWN;

    /** The lower-case name used in text and JSON, e.g. {@code lock_timeout}. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
