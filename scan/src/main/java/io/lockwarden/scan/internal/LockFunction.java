package io.lockwarden.scan.internal;

import java.util.Locale;

/** The PostgreSQL advisory lock functions, with what each one means for the rules. */
public enum LockFunction {
    PG_ADVISORY_LOCK(true, false, true, false),
    PG_ADVISORY_LOCK_SHARED(true, false, true, true),
    PG_TRY_ADVISORY_LOCK(true, false, false, false),
    PG_TRY_ADVISORY_LOCK_SHARED(true, false, false, true),
    PG_ADVISORY_XACT_LOCK(false, true, true, false),
    PG_ADVISORY_XACT_LOCK_SHARED(false, true, true, true),
    PG_TRY_ADVISORY_XACT_LOCK(false, true, false, false),
    PG_TRY_ADVISORY_XACT_LOCK_SHARED(false, true, false, true),
    PG_ADVISORY_UNLOCK(false, false, false, false),
    PG_ADVISORY_UNLOCK_SHARED(false, false, false, true),
    PG_ADVISORY_UNLOCK_ALL(false, false, false, false);

    private final boolean sessionLock;
    private final boolean xactLock;
    private final boolean blocking;
    private final boolean shared;

    LockFunction(boolean sessionLock, boolean xactLock, boolean blocking, boolean shared) {
        this.sessionLock = sessionLock;
        this.xactLock = xactLock;
        this.blocking = blocking;
        this.shared = shared;
    }

    /** The SQL name in lower case. */
    public String sqlName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Takes a session-level lock. */
    public boolean isSessionLock() {
        return sessionLock;
    }

    /** Takes a transaction-level lock. */
    public boolean isXactLock() {
        return xactLock;
    }

    /** Takes a lock of either scope. */
    public boolean isLock() {
        return sessionLock || xactLock;
    }

    /** Releases one lock (not unlock_all). */
    public boolean isUnlock() {
        return this == PG_ADVISORY_UNLOCK || this == PG_ADVISORY_UNLOCK_SHARED;
    }

    /** Releases something (unlock or unlock_all). */
    public boolean isRelease() {
        return isUnlock() || this == PG_ADVISORY_UNLOCK_ALL;
    }

    /** Waits for the lock instead of returning false. */
    public boolean isBlocking() {
        return blocking;
    }

    /** Shared mode. */
    public boolean isShared() {
        return shared;
    }

    /**
     * The function a text names when it is nothing but a function name, optionally schema-qualified
     * ({@code pg_catalog.pg_advisory_lock}) and surrounded by blanks: the name passed to a helper. Null otherwise.
     */
    public static LockFunction byBareName(String text) {
        String s = text.strip();
        if (s.length() < 16 || s.length() > 50 || s.indexOf('(') >= 0) {
            return null;
        }
        if (s.regionMatches(true, 0, "pg_catalog.", 0, 11)) {
            s = s.substring(11);
        }
        return bySqlName(s);
    }

    /** The function with this SQL name (case-insensitive), or null. */
    public static LockFunction bySqlName(String name) {
        return name.length() < 16 ? null : BY_NAME.get(name.toLowerCase(Locale.ROOT));
    }

    private static final java.util.Map<String, LockFunction> BY_NAME = java.util.Arrays.stream(values())
            .collect(java.util.stream.Collectors.toUnmodifiableMap(LockFunction::sqlName, f -> f));
}
