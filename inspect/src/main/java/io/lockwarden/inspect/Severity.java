package io.lockwarden.inspect;

/**
 * How bad a {@link Finding} is. Ordered from mildest to worst, so {@code compareTo} ranks them.
 * {@link #INFO} is advice and never fails a check; {@link #WARNING} and {@link #ERROR} do
 * ({@code lockwarden diagnose} exits 1).
 */
public enum Severity {
    /** Advice: nothing is stuck, but a setting or habit leaves the door open. */
    INFO,
    /** Something is wrong or likely leaked, but nobody is blocked yet. */
    WARNING,
    /** Work is blocked or mutual exclusion is broken now. */
    ERROR;

    /** True for {@link #WARNING} and {@link #ERROR}: the levels a clean server must not have. */
    public boolean isProblem() {
        return this != INFO;
    }
}
