package io.lockwarden.testkit;

import io.lockwarden.testkit.internal.NoAdvisoryLockLeaksExtension;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fails any test (or test class) that leaves a PostgreSQL advisory lock held.
 *
 * <p>After each test (or after all tests of the class, see {@link #check()}) the extension reads
 * {@code pg_locks} on a connection of its own and fails with {@link AdvisoryLockLeakError} when locks in
 * scope are still held, listing key (named form when {@link #namespaces()} are given), pid, application,
 * state and last query. When the test itself failed, the leak is added to its failure as a suppressed error.
 *
 * <p>Where the connection comes from, first match wins:
 * <ol>
 *   <li>a field of the test class annotated {@link LockCheckDataSource}, of type {@code javax.sql.DataSource}
 *       or {@code io.lockwarden.testkit.fixture.PostgresServer} (static fields for {@link Check#EACH_CLASS});</li>
 *   <li>a {@code DataSource} parameter of the test method, supplied by any JUnit {@code ParameterResolver}
 *       (per-test checks only);</li>
 *   <li>the JDBC URL in the system property named by {@link #urlProperty()} (default
 *       {@code lockwarden.testkit.url}), or the environment variable {@code LOCKWARDEN_TESTKIT_URL}; user and
 *       password in the URL or in the properties {@code <urlProperty>.user} / {@code <urlProperty>.password}.</li>
 * </ol>
 * None found is a configuration error that fails the test with a message naming these three options.
 *
 * <p>Not meant for tests running in parallel against the same server and scope: another test's locks
 * would be reported too. Narrow the scope with {@link #database()}, {@link #user()} or
 * {@link #applicationName()} when other sessions share the server.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(NoAdvisoryLockLeaksExtension.class)
public @interface NoAdvisoryLockLeaks {

    /** When the check runs. */
    enum Check {
        /** After every test method (default). */
        EACH_TEST,
        /** Once, after all tests of the class. */
        EACH_CLASS
    }

    /** When the check runs; {@link Check#EACH_TEST} by default. */
    Check check() default Check.EACH_TEST;

    /** Only locks in this database; empty (default) for all databases. */
    String database() default "";

    /** Only locks held by sessions of this role; empty (default) for all roles. */
    String user() default "";

    /** Only locks of sessions with this {@code application_name} (trailing {@code *} = prefix); empty for all. */
    String applicationName() default "";

    /** Namespaces of named keys ({@code LockKey.named}) to show by name in failure messages. */
    String[] namespaces() default {};

    /** Milliseconds to wait for locks of sessions that are just closing to disappear (default 2000). */
    long settleMillis() default 2000;

    /** System property holding the JDBC URL to check when no field or parameter gives a data source. */
    String urlProperty() default "lockwarden.testkit.url";
}
