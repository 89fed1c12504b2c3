package io.lockwarden.guard;

import java.util.Locale;

/** What the guard does about a session-level advisory lock still held when its connection is returned. */
public enum GuardMode {
    /** Release it and log a WARN with the key, how long it was held and where it was taken (the default). */
    RELEASE,
    /** Log and report it, but leave it held (to see what a rollout would change before it changes anything). */
    REPORT,
    /**
     * Throw: a session lock taken while a transaction is open is refused at the call, and a connection
     * returned with a session lock held is released and then fails its {@code close()}. For tests and CI.
     */
    FAIL_FAST;

    /**
     * Parses {@code release}, {@code report} or {@code fail-fast} (any case).
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static GuardMode parse(String text) {
        String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        return switch (t) {
            case "release" -> RELEASE;
            case "report" -> REPORT;
            case "fail-fast", "failfast", "fail_fast" -> FAIL_FAST;
            default -> throw new IllegalArgumentException("lockwarden.mode must be release, report or fail-fast, got '"
                    + text + "'");
        };
    }
}
