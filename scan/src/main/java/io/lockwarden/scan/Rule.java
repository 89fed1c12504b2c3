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
            "Release it in finally (Java, JS/TS, Kotlin, Python, C#, PHP), ensure (Ruby), defer (Go), after "
                    + "(Elixir) or Drop (Rust), or use Lockwarden's try-with-resources SessionLock. The "
                    + "transaction-level variant is the fix only when the protected work runs in that one "
                    + "transaction; not for a migration runner that runs CREATE INDEX CONCURRENTLY (see LW114)."),
    /** A session-level lock taken inside a transaction. */
    SESSION_LOCK_IN_TRANSACTION("LW102", "session-lock-in-transaction", Severity.WARNING,
            "Session-level advisory lock taken inside a transaction: it survives COMMIT and ROLLBACK.",
            "Use pg_advisory_xact_lock / pg_try_advisory_xact_lock, which end with the transaction, when all the "
                    + "protected work runs in that transaction. Not when the work runs CREATE INDEX CONCURRENTLY "
                    + "(or other work that waits for open transactions) or commits in between: then take the "
                    + "session lock on a dedicated connection outside any transaction and unlock it in finally, "
                    + "checking that the unlock returned true."),
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
                    + "pg_try_ variant. A waiter that blocks inside an open transaction also stalls the holder's "
                    + "CREATE INDEX CONCURRENTLY (LW114): wait outside a transaction, with a timeout."),
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
    /** A session lock or unlock sent through a connection pool, not through one pinned connection. */
    LOCK_THROUGH_POOL("LW109", "lock-through-pool", Severity.ERROR,
            "Session-level advisory lock or unlock sent through a pool (Go *sql.DB, node-postgres pool.query, "
                    + "JdbcTemplate/JdbcClient/DSLContext outside a transaction, SQLAlchemy engine, sqlx &PgPool, "
                    + "Ecto Repo outside checkout, NpgsqlDataSource): each call may run on another pooled "
                    + "session, so the unlock returns false and the lock stays on a pooled connection.",
            "Pin one connection for lock, work and unlock (db.Conn(ctx), pool.connect(), "
                    + "DataSource.getConnection(), engine.connect(), pool.acquire(), Repo.checkout) and release it "
                    + "in finally/defer; or use the _xact_ variant inside one transaction when all the work runs "
                    + "in it."),
    /** The boolean result of a pg_try_advisory_* call is never read, or read wrongly. */
    TRY_LOCK_RESULT_UNREAD("LW110", "try-lock-result-unread", Severity.ERROR,
            "Result of pg_try_advisory_lock is not read as a boolean: the code runs the critical section "
                    + "whether or not it got the lock (Statement.execute() only says a result set came back; "
                    + "a string compared with \"t\" breaks with drivers that return booleans).",
            "Read the boolean (executeQuery + getBoolean, QueryRow(...).Scan(&ok bool), rows[0].locked, "
                    + "fetchone()[0]) and skip the work when it is false."),
    /** A session lock taken repeatedly on a session that may already hold it, released once. */
    REENTRANT_SESSION_LOCK("LW111", "reentrant-session-lock", Severity.WARNING,
            "Session-level advisory lock taken in a loop or on every tick of a schedule without an unlock in "
                    + "the same iteration: session locks are re-entrant and counted, so the count never returns "
                    + "to zero and the lock is never released.",
            "Unlock in a finally inside the loop body, or track whether this session already holds the lock "
                    + "(a leader keeps one lock and checks it with pg_locks instead of locking again)."),
    /** A transaction-level lock that ends before the work it should protect. */
    XACT_LOCK_ENDS_EARLY("LW112", "xact-lock-ends-early", Severity.ERROR,
            "Transaction-level advisory lock in a procedure or DO block that COMMITs (or ROLLBACKs) part way: "
                    + "the lock ends at the first COMMIT and the later batches run unprotected.",
            "Take a session lock (pg_advisory_lock) before the loop and unlock it in an EXCEPTION handler and "
                    + "at the end, or take the _xact_ lock again after each COMMIT."),
    /** An unlock that cannot run or whose failure is hidden. */
    UNLOCK_CANNOT_RUN("LW113", "unlock-cannot-run", Severity.WARNING,
            "The unlock may not run: it is sent in an aborted transaction (\"current transaction is aborted\"), "
                    + "under a context that is already cancelled or expired, or its error is swallowed; the "
                    + "lock stays held and nobody hears of it.",
            "Roll back before unlocking, unlock under a fresh context (context.WithoutCancel / "
                    + "context.Background with its own timeout), and log or rethrow an unlock failure (then "
                    + "close the connection instead of returning it to the pool)."),
    /** A transaction-level lock (or a blocking waiter in a transaction) next to CREATE INDEX CONCURRENTLY. */
    XACT_LOCK_WITH_CONCURRENT_INDEX("LW114", "xact-lock-with-concurrent-index", Severity.ERROR,
            "Transaction-level advisory lock (or a lock waited for inside a transaction) in code that runs "
                    + "CREATE/DROP INDEX CONCURRENTLY or REINDEX CONCURRENTLY: the DDL waits for every open "
                    + "transaction, including the one holding (or waiting for) the lock: a self-deadlock.",
            "Here the _xact_ variant is wrong: take a session lock (pg_advisory_lock with lock_timeout, or "
                    + "pg_try_advisory_lock) on a dedicated connection in autocommit, run the migrations on "
                    + "other connections, and unlock in finally, checking the unlock returned true."),
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
