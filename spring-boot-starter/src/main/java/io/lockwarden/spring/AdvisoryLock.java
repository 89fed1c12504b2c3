package io.lockwarden.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs the annotated method under a PostgreSQL advisory lock on
 * {@code LockKey.named(namespace, key)}.
 *
 * <pre>{@code
 * @Transactional
 * @AdvisoryLock(namespace = "inventory", key = "#sku", waitFor = "5s")
 * public void reserve(String sku, int quantity) { ... }
 * }</pre>
 *
 * <ul>
 *   <li>{@link Scope#TRANSACTION} (default): {@code pg_advisory_xact_lock} on the Spring-managed
 *       transaction's own connection ({@code DataSourceUtils}), so the lock ends exactly with that
 *       transaction, commit or rollback. Without an active transaction the call is refused with
 *       {@link io.lockwarden.UnsafeLockUsageException} (a transaction lock in autocommit ends with its
 *       own statement), unless {@link #beginTransaction()} is set.</li>
 *   <li>{@link Scope#SESSION}: a session lock on a dedicated connection, taken before the method's
 *       transaction begins and released after it completes.</li>
 * </ul>
 * The interceptors are ordered explicitly around Spring's transaction advisor (docs/spring.md):
 * transaction-scope locks run inside it, session-scope locks outside it.
 *
 * <p>Failures: {@link io.lockwarden.LockTimeoutException} when {@link OnBusy#WAIT} waited
 * {@link #waitFor()} in vain, {@link io.lockwarden.LockNotAvailableException} for {@link OnBusy#FAIL} on a
 * busy lock, and the other {@code io.lockwarden} exceptions as documented there. A key expression
 * that fails or yields null throws {@link IllegalArgumentException} naming the method.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@Documented
public @interface AdvisoryLock {
    /** The key's namespace; empty means the {@code lockwarden.key-namespace} property. */
    String namespace() default "";

    /**
     * The key's name: a SpEL expression over the method's parameters ({@code #sku}, {@code #order.id},
     * {@code 'nightly-' + #date}); empty means the method itself ({@code SimpleClassName.method}), one
     * lock for all calls.
     */
    String key() default "";

    /**
     * The longest wait for {@link OnBusy#WAIT}, e.g. {@code 5s}, {@code 500ms}; empty means
     * {@code lockwarden.default-timeout}. (Not {@code wait}: that name is taken by {@link Object#wait()}.)
     */
    String waitFor() default "";

    /** What to do when another session holds the lock. */
    OnBusy onBusy() default OnBusy.WAIT;

    /** How long the lock lives: with the transaction, or around it. */
    Scope scope() default Scope.TRANSACTION;

    /**
     * For {@link Scope#TRANSACTION} without an active transaction: open one (with the application's
     * {@code PlatformTransactionManager}) instead of refusing.
     */
    boolean beginTransaction() default false;

    /** What a call does when the lock is held by another session. */
    enum OnBusy {
        /** Wait up to {@link AdvisoryLock#waitFor()} (server-side {@code lock_timeout}); then fail with LockTimeoutException. */
        WAIT,
        /**
         * Do not run the method: it returns {@code null}, {@code Optional.empty()}, {@code false} or
         * {@code 0} as its return type allows.
         */
        SKIP,
        /** Do not run the method: throw {@link io.lockwarden.LockNotAvailableException}. */
        FAIL
    }

    /** The lifetime of the lock. */
    enum Scope {
        /** {@code pg_advisory_xact_lock} inside the method's Spring transaction; ends with it. Safe behind PgBouncer transaction pooling. */
        TRANSACTION,
        /** {@code pg_advisory_lock} on a dedicated connection, around the method and its transaction. */
        SESSION
    }
}
