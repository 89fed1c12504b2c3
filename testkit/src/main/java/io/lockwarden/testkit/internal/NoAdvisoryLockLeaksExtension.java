package io.lockwarden.testkit.internal;

import io.lockwarden.testkit.AdvisoryLockAssertions;
import io.lockwarden.testkit.AdvisoryLockLeakError;
import io.lockwarden.testkit.HeldAdvisoryLock;
import io.lockwarden.testkit.LockCheckDataSource;
import io.lockwarden.testkit.LockCheckScope;
import io.lockwarden.testkit.NoAdvisoryLockLeaks;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import javax.sql.DataSource;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;
import org.junit.platform.commons.support.AnnotationSupport;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The JUnit 5 extension behind {@link NoAdvisoryLockLeaks}; register it through the annotation.
 * Stateless apart from per-test entries in JUnit's extension store; thread-safe.
 */
public final class NoAdvisoryLockLeaksExtension implements AfterEachCallback, AfterAllCallback, InvocationInterceptor {
    private static final ExtensionContext.Namespace STORE =
            ExtensionContext.Namespace.create(NoAdvisoryLockLeaksExtension.class);
    private static final String PARAMETER_DATA_SOURCE = "parameterDataSource";

    /** Created by JUnit. */
    public NoAdvisoryLockLeaksExtension() {
    }

    /** Remembers a {@code DataSource} argument of the test method, for the check after it. */
    @Override
    public void interceptTestMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> invocationContext,
                                    ExtensionContext extensionContext) throws Throwable {
        for (Object argument : invocationContext.getArguments()) {
            if (argument instanceof DataSource ds) {
                extensionContext.getStore(STORE).put(PARAMETER_DATA_SOURCE, ds);
                break;
            }
        }
        invocation.proceed();
    }

    /** Checks after each test when the check is {@code EACH_TEST}. */
    @Override
    public void afterEach(ExtensionContext context) {
        NoAdvisoryLockLeaks config = config(context);
        if (config.check() != NoAdvisoryLockLeaks.Check.EACH_TEST) {
            return;
        }
        DataSource ds = fieldDataSource(context, context.getTestInstance())
                .or(() -> Optional.ofNullable(context.getStore(STORE).get(PARAMETER_DATA_SOURCE, DataSource.class)))
                .or(() -> urlDataSource(config))
                .orElseThrow(() -> missing(context));
        check(ds, config, "after test " + context.getDisplayName(), context);
    }

    /** Checks once after the class when the check is {@code EACH_CLASS}. */
    @Override
    public void afterAll(ExtensionContext context) {
        NoAdvisoryLockLeaks config = config(context);
        if (config.check() != NoAdvisoryLockLeaks.Check.EACH_CLASS) {
            return;
        }
        DataSource ds = fieldDataSource(context, Optional.empty())
                .or(() -> urlDataSource(config))
                .orElseThrow(() -> missing(context));
        check(ds, config, "after all tests of " + context.getDisplayName(), context);
    }

    private static void check(DataSource ds, NoAdvisoryLockLeaks config, String when, ExtensionContext context) {
        LockCheckScope scope = scope(config);
        List<HeldAdvisoryLock> held = AdvisoryLockAssertions.heldAdvisoryLocks(ds, scope);
        if (held.isEmpty()) {
            return;
        }
        AdvisoryLockLeakError leak = new AdvisoryLockLeakError(when, scope, held);
        Optional<Throwable> testFailure = context.getExecutionException();
        if (testFailure.isPresent()) {
            testFailure.get().addSuppressed(leak);
            return;
        }
        throw leak;
    }

    static LockCheckScope scope(NoAdvisoryLockLeaks config) {
        LockCheckScope scope = LockCheckScope.all().withSettle(Duration.ofMillis(Math.max(0, config.settleMillis())))
                .withNamespaces(config.namespaces());
        if (!config.database().isEmpty()) {
            scope = scope.withDatabase(config.database());
        }
        if (!config.user().isEmpty()) {
            scope = scope.withUser(config.user());
        }
        if (!config.applicationName().isEmpty()) {
            scope = scope.withApplicationName(config.applicationName());
        }
        return scope;
    }

    private static NoAdvisoryLockLeaks config(ExtensionContext context) {
        Optional<NoAdvisoryLockLeaks> onMethod = context.getTestMethod()
                .flatMap(m -> AnnotationSupport.findAnnotation(m, NoAdvisoryLockLeaks.class));
        if (onMethod.isPresent()) {
            return onMethod.get();
        }
        Optional<Class<?>> type = context.getTestClass();
        while (type.isPresent()) {
            Optional<NoAdvisoryLockLeaks> found = AnnotationSupport.findAnnotation(type.get(), NoAdvisoryLockLeaks.class);
            if (found.isPresent()) {
                return found.get();
            }
            type = Optional.ofNullable(type.get().getEnclosingClass());
        }
        throw new ExtensionConfigurationException("NoAdvisoryLockLeaksExtension must be registered through "
                + "@NoAdvisoryLockLeaks on the test class or method");
    }

    private static Optional<DataSource> fieldDataSource(ExtensionContext context, Optional<Object> instance) {
        Optional<Class<?>> type = context.getTestClass();
        List<Field> fields = type.map(t -> AnnotationSupport.findAnnotatedFields(t, LockCheckDataSource.class))
                .orElse(List.of());
        for (Field field : fields) {
            boolean isStatic = Modifier.isStatic(field.getModifiers());
            if (!isStatic && instance.isEmpty()) {
                continue;
            }
            try {
                field.setAccessible(true);
                Object value = field.get(isStatic ? null : instance.get());
                if (value == null) {
                    throw new ExtensionConfigurationException("@LockCheckDataSource field " + field.getName()
                            + " is null when the advisory lock leak check runs: assign it in a field initializer, "
                            + "@BeforeAll or @BeforeEach");
                }
                if (value instanceof DataSource ds) {
                    return Optional.of(ds);
                }
                if (value instanceof PostgresServer server) {
                    return Optional.of(server.dataSource("postgres", PostgresServer.SUPERUSER, server.password()));
                }
                throw new ExtensionConfigurationException("@LockCheckDataSource field " + field.getName() + " is a "
                        + value.getClass().getName() + ": it must be a javax.sql.DataSource or a PostgresServer");
            } catch (IllegalAccessException e) {
                throw new ExtensionConfigurationException("cannot read @LockCheckDataSource field "
                        + field.getName() + ": " + e.getMessage(), e);
            }
        }
        return Optional.empty();
    }

    private static Optional<DataSource> urlDataSource(NoAdvisoryLockLeaks config) {
        String property = config.urlProperty();
        String url = System.getProperty(property);
        if (url == null || url.isBlank()) {
            url = System.getenv("LOCKWARDEN_TESTKIT_URL");
        }
        if (url == null || url.isBlank()) {
            return Optional.empty();
        }
        PGSimpleDataSource ds = new PGSimpleDataSource();
        try {
            ds.setUrl(url);
        } catch (IllegalArgumentException e) {
            throw new ExtensionConfigurationException("the JDBC URL in " + property
                    + " is not a PostgreSQL URL; expected jdbc:postgresql://host:port/database");
        }
        Properties p = System.getProperties();
        if (p.getProperty(property + ".user") != null) {
            ds.setUser(p.getProperty(property + ".user"));
        }
        if (p.getProperty(property + ".password") != null) {
            ds.setPassword(p.getProperty(property + ".password"));
        }
        ds.setApplicationName("lockwarden-testkit");
        return Optional.of(ds);
    }

    private static ExtensionConfigurationException missing(ExtensionContext context) {
        return new ExtensionConfigurationException("@NoAdvisoryLockLeaks on " + context.getDisplayName()
                + " has no database to check: annotate a DataSource or PostgresServer field with "
                + "@LockCheckDataSource, take a DataSource parameter in the test method, or set the system "
                + "property lockwarden.testkit.url to a JDBC URL");
    }
}
