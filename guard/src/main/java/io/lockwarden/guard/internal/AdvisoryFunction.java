package io.lockwarden.guard.internal;

import io.lockwarden.LockMode;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** The PostgreSQL advisory lock functions the guard follows, by what they do to the session's lock counts. */
public enum AdvisoryFunction {
    /** {@code pg_advisory_lock}. */
    LOCK("pg_advisory_lock", Kind.LOCK, LockMode.EXCLUSIVE),
    /** {@code pg_advisory_lock_shared}. */
    LOCK_SHARED("pg_advisory_lock_shared", Kind.LOCK, LockMode.SHARED),
    /** {@code pg_try_advisory_lock}. */
    TRY_LOCK("pg_try_advisory_lock", Kind.TRY_LOCK, LockMode.EXCLUSIVE),
    /** {@code pg_try_advisory_lock_shared}. */
    TRY_LOCK_SHARED("pg_try_advisory_lock_shared", Kind.TRY_LOCK, LockMode.SHARED),
    /** {@code pg_advisory_xact_lock}. */
    XACT_LOCK("pg_advisory_xact_lock", Kind.XACT, LockMode.EXCLUSIVE),
    /** {@code pg_advisory_xact_lock_shared}. */
    XACT_LOCK_SHARED("pg_advisory_xact_lock_shared", Kind.XACT, LockMode.SHARED),
    /** {@code pg_try_advisory_xact_lock}. */
    TRY_XACT_LOCK("pg_try_advisory_xact_lock", Kind.XACT, LockMode.EXCLUSIVE),
    /** {@code pg_try_advisory_xact_lock_shared}. */
    TRY_XACT_LOCK_SHARED("pg_try_advisory_xact_lock_shared", Kind.XACT, LockMode.SHARED),
    /** {@code pg_advisory_unlock}. */
    UNLOCK("pg_advisory_unlock", Kind.UNLOCK, LockMode.EXCLUSIVE),
    /** {@code pg_advisory_unlock_shared}. */
    UNLOCK_SHARED("pg_advisory_unlock_shared", Kind.UNLOCK, LockMode.SHARED),
    /** {@code pg_advisory_unlock_all}. */
    UNLOCK_ALL("pg_advisory_unlock_all", Kind.UNLOCK_ALL, LockMode.EXCLUSIVE);

    /** What a call does to the session-level locks. */
    public enum Kind {
        /** Takes a session lock (waits until granted). */
        LOCK,
        /** Takes a session lock when it returns true. */
        TRY_LOCK,
        /** Takes a transaction lock: left to the transaction. */
        XACT,
        /** Releases one level of a session lock. */
        UNLOCK,
        /** Releases every session lock of the session. */
        UNLOCK_ALL
    }

    private static final Map<String, AdvisoryFunction> BY_NAME = new HashMap<>();

    static {
        for (AdvisoryFunction f : values()) {
            BY_NAME.put(f.sqlName, f);
        }
    }

    private final String sqlName;
    private final Kind kind;
    private final LockMode mode;

    AdvisoryFunction(String sqlName, Kind kind, LockMode mode) {
        this.sqlName = sqlName;
        this.kind = kind;
        this.mode = mode;
    }

    /** The function with this (lower-case) SQL name, or null. */
    static AdvisoryFunction named(String lowerCaseName) {
        return BY_NAME.get(lowerCaseName.toLowerCase(Locale.ROOT));
    }

    /** The SQL name, e.g. {@code pg_advisory_lock}. */
    public String sqlName() {
        return sqlName;
    }

    /** What the call does to session locks. */
    public Kind kind() {
        return kind;
    }

    /** Exclusive or shared. */
    public LockMode mode() {
        return mode;
    }

    /** Whether the call takes (or may take) a session-level lock. */
    public boolean takesSessionLock() {
        return kind == Kind.LOCK || kind == Kind.TRY_LOCK;
    }
}
