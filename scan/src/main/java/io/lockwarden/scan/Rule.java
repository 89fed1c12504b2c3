package io.lockwarden.scan;

import java.util.Locale;
import java.util.Optional;

/**
 * The rules of {@code lockwarden scan}. Ids ({@code LW101}) and slugs ({@code session-lock-without-release})
 * are stable: they appear in suppressions, baselines, JSON and SARIF and are never reused. Each rule is
 * documented with a bad and a good example in {@code docs/scan-rules.md}. Immutable and thread safe.
 */
public enum Rule {
    /** A session-level lock with no release on every path (no finally/ensure/defer/with). */
    SESSION_LOCK_WITHOUT_RELEASE("LW101", "session-lock-without-release", Severity.ERROR,
            "Session-level advisory lock is not released on every path: an exception leaves it held "
                    + "until the connection closes, and a pooled connection never closes.",
            "Release it in finally (Java, JS/TS, Kotlin, Python), ensure (Ruby) or defer (Go), or use "
                    + "Lockwarden's try-with-resources SessionLock, or the transaction-level variant."),
    /** A session-level lock taken inside a transaction. */
    SESSION_LOCK_IN_TRANSACTION("LW102", "session-lock-in-transaction", Severity.WARNING,
            "Session-level advisory lock taken inside a transaction: it survives COMMIT and ROLLBACK.",
            "Use pg_advisory_xact_lock / pg_try_advisory_xact_lock, which end with the transaction."),
    /** A transaction-level lock taken where the statement runs in autocommit. */
    XACT_LOCK_IN_AUTOCOMMIT("LW103", "xact-lock-in-autocommit", Severity.ERROR,
            "Transaction-level advisory lock taken in autocommit mode: it is released as soon as this "
                    + "one statement ends and protects nothing.",
            "Run it inside a transaction (@Transactional, TransactionTemplate, setAutoCommit(false), BEGIN); "
                    + "if a caller guarantees one, declare @Transactional(propagation = MANDATORY)."),
    /** A blocking lock call with no server-side timeout in scope. */
    BLOCKING_LOCK_WITHOUT_TIMEOUT("LW104", "blocking-lock-without-timeout", Severity.WARNING,
            "Blocking advisory lock with no lock_timeout in scope: it waits forever behind a stuck holder.",
            "SET LOCAL lock_timeout (or set_config('lock_timeout', '5s', true)) before the lock, or use the "
                    + "pg_try_ variant."),
    /** The boolean result of pg_advisory_unlock is discarded. */
    UNLOCK_RESULT_IGNORED("LW105", "unlock-result-ignored", Severity.WARNING,
            "Result of pg_advisory_unlock is ignored: false means the lock was not held by this session "
                    + "(wrong key, wrong connection, or already released) and goes unnoticed.",
            "Read the boolean (executeQuery + getBoolean, queryForObject(..., Boolean.class)) and fail "
                    + "loudly when it is false."),
    /** A literal key that looks like a random large integer. */
    RANDOM_LITERAL_KEY("LW106", "random-literal-key", Severity.WARNING,
            "Advisory lock key is a large random-looking integer literal: nobody can tell what it "
                    + "protects, and collisions with other code go unnoticed.",
            "Use a named key (LockKey.named(namespace, name)) or a documented constant."),
    /** An unlock of a key that this scope never locked. */
    MISMATCHED_UNLOCK("LW107", "mismatched-unlock", Severity.ERROR,
            "Unlock of a key (or mode) that this scope never locked: the lock that was taken stays held.",
            "Unlock exactly the key and mode (shared or exclusive) that were locked."),
    /** A Lockwarden SessionLock that is not closed by try-with-resources. */
    SESSION_HANDLE_NOT_IN_TRY_WITH_RESOURCES("LW108", "session-handle-not-closed", Severity.ERROR,
            "Lockwarden SessionLock from acquire/tryAcquire is not closed by try-with-resources.",
            "Write try (SessionLock lock = locks.acquire(key)) { ... }, or return the handle to a caller "
                    + "that does."),
    /** Transaction pooling in PgBouncer while the code base takes session-level locks. */
    PGBOUNCER_TRANSACTION_POOLING("LW201", "pgbouncer-transaction-pooling", Severity.ERROR,
            "PgBouncer pool_mode = transaction while the code base takes session-level advisory locks: a "
                    + "leaked lock moves to the next client and mutual exclusion silently breaks.",
            "Use transaction-level locks only, or route lock-taking code through a pool with "
                    + "pool_mode = session (or a direct connection)."),
    /** server_reset_query that will not run because of transaction pooling. */
    PGBOUNCER_RESET_QUERY_IGNORED("LW202", "pgbouncer-reset-query-ignored", Severity.WARNING,
            "server_reset_query is not run in transaction pooling: DISCARD ALL will never release a "
                    + "leaked advisory lock here.",
            "Set server_reset_query_always = 1, or use session pooling for the lock-taking clients."),
    /** A suppression comment without a reason. */
    SUPPRESSION_WITHOUT_REASON("LW901", "suppression-without-reason", Severity.WARNING,
            "lockwarden:ignore without a reason: the suppression is not applied.",
            "Write lockwarden:ignore RULE-ID followed by why the finding does not apply.");

    private final String id;
    private final String slug;
    private final Severity severity;
    private final String description;
    private final String fix;

    Rule(String id, String slug, Severity severity, String description, String fix) {
        this.id = id;
        this.slug = slug;
        this.severity = severity;
        this.description = description;
        this.fix = fix;
    }

    /** The stable id, e.g. {@code LW101}. */
    public String id() {
        return id;
    }

    /** The stable readable name, e.g. {@code session-lock-without-release}. */
    public String slug() {
        return slug;
    }

    /** The severity every finding of this rule has. */
    public Severity severity() {
        return severity;
    }

    /** What is wrong, in one or two sentences. */
    public String description() {
        return description;
    }

    /** How to fix it. */
    public String fix() {
        return fix;
    }

    /** The anchor of this rule in {@code docs/scan-rules.md}. */
    public String docAnchor() {
        return id.toLowerCase(Locale.ROOT) + "-" + slug;
    }

    /** Finds a rule by id or slug, case-insensitively; empty when there is none. */
    public static Optional<Rule> find(String idOrSlug) {
        if (idOrSlug == null) {
            return Optional.empty();
        }
        String t = idOrSlug.trim();
        for (Rule r : values()) {
            if (r.id.equalsIgnoreCase(t) || r.slug.equalsIgnoreCase(t)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }
}
