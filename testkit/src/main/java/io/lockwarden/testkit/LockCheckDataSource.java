package io.lockwarden.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the field of a test class that {@link NoAdvisoryLockLeaks} reads {@code pg_locks} through: a
 * {@code javax.sql.DataSource} or an {@code io.lockwarden.testkit.fixture.PostgresServer}. Static for
 * per-class checks; static or instance for per-test checks. The field is read after the test, so it may
 * be assigned in {@code @BeforeAll}/{@code @BeforeEach}.
 */
@Target(ElementType.FIELD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface LockCheckDataSource {
}
