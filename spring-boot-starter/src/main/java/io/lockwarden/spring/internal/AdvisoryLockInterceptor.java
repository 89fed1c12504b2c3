package io.lockwarden.spring.internal;

import io.lockwarden.AdvisoryLocks;
import io.lockwarden.LockKey;
import io.lockwarden.LockNotAvailableException;
import io.lockwarden.SessionLock;
import io.lockwarden.UnsafeLockUsageException;
import io.lockwarden.spring.AdvisoryLock;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.time.Duration;
import java.util.Optional;
import javax.sql.DataSource;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Runs {@link AdvisoryLock} methods under their lock. Transaction scope locks on the connection the
 * Spring transaction is bound to ({@link DataSourceUtils#getConnection}), so the lock is part of that
 * transaction; session scope holds a {@link SessionLock} around the call. Collaborators are looked up
 * at the first call, so creating the advisor early does not pull the DataSource into the
 * post-processor phase. Thread-safe.
 */
public final class AdvisoryLockInterceptor implements MethodInterceptor {
    private final ObjectProvider<AdvisoryLocks> locks;
    private final ObjectProvider<DataSource> dataSource;
    private final ObjectProvider<PlatformTransactionManager> transactions;
    private final AnnotationKeys keys;

    /**
     * @param dataSource   the DataSource the application's transaction manager binds connections of
     * @param transactions for {@code beginTransaction = true}
     */
    public AdvisoryLockInterceptor(ObjectProvider<AdvisoryLocks> locks, ObjectProvider<DataSource> dataSource,
                                   ObjectProvider<PlatformTransactionManager> transactions, AnnotationKeys keys) {
        this.locks = locks;
        this.dataSource = dataSource;
        this.transactions = transactions;
        this.keys = keys;
    }

    @Override
    public Object invoke(MethodInvocation invocation) throws Throwable {
        Class<?> targetClass = invocation.getThis() == null ? null : AopUtils.getTargetClass(invocation.getThis());
        Method method = targetClass == null ? invocation.getMethod()
                : AopUtils.getMostSpecificMethod(invocation.getMethod(), targetClass);
        AdvisoryLock annotation = AnnotationAdvisor.find(invocation.getMethod(), targetClass, AdvisoryLock.class);
        LockKey key = keys.resolve(annotation.namespace(), annotation.key(), method, invocation.getArguments(),
                invocation.getThis());
        AdvisoryLocks advisoryLocks = locks.getObject();
        Duration wait = annotation.waitFor().isEmpty() ? advisoryLocks.defaultTimeout()
                : AnnotationKeys.wait(annotation.waitFor(), AnnotationKeys.methodName(method), "@AdvisoryLock");
        if (annotation.scope() == AdvisoryLock.Scope.SESSION) {
            return inSession(invocation, advisoryLocks, key, annotation.onBusy(), wait, method);
        }
        if (TransactionSynchronizationManager.isActualTransactionActive()) {
            return inTransaction(invocation, advisoryLocks, key, annotation.onBusy(), wait, method);
        }
        if (!annotation.beginTransaction()) {
            throw new UnsafeLockUsageException(key, "@AdvisoryLock(scope = TRANSACTION) on "
                    + AnnotationKeys.methodName(method) + " found no active Spring transaction, so lock " + key
                    + " would end with its own statement (autocommit) and protect nothing; refused, the method did "
                    + "not run. Fix: make the method (or its caller) @Transactional, set beginTransaction = true, "
                    + "or use scope = SESSION.");
        }
        return inNewTransaction(invocation, advisoryLocks, key, annotation.onBusy(), wait, method);
    }

    private Object inTransaction(MethodInvocation invocation, AdvisoryLocks advisoryLocks, LockKey key,
                                 AdvisoryLock.OnBusy onBusy, Duration wait, Method method) throws Throwable {
        DataSource ds = dataSource.getObject();
        Connection connection = DataSourceUtils.getConnection(ds);
        try {
            if (onBusy == AdvisoryLock.OnBusy.WAIT) {
                advisoryLocks.lockInTransaction(connection, key, wait);
            } else if (!advisoryLocks.tryLockInTransaction(connection, key)) {
                return busy(key, onBusy, method);
            }
        } finally {
            // Only the handle: the connection stays bound to the transaction, and the lock with it.
            DataSourceUtils.releaseConnection(connection, ds);
        }
        return invocation.proceed();
    }

    private Object inNewTransaction(MethodInvocation invocation, AdvisoryLocks advisoryLocks, LockKey key,
                                    AdvisoryLock.OnBusy onBusy, Duration wait, Method method) throws Throwable {
        PlatformTransactionManager manager = transactions.getIfUnique();
        if (manager == null) {
            throw new IllegalStateException("@AdvisoryLock(beginTransaction = true) on " + AnnotationKeys.methodName(method)
                    + " needs exactly one PlatformTransactionManager bean to open a transaction; found none or several. "
                    + "Fix: make the method @Transactional with the right manager instead.");
        }
        Throwable[] checked = new Throwable[1];
        boolean[] workReturned = new boolean[1];
        Object result;
        try {
            result = new TransactionTemplate(manager).execute(status -> {
            try {
                Object r = inTransaction(invocation, advisoryLocks, key, onBusy, wait, method);
                workReturned[0] = true;
                return r;
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                checked[0] = t;
                status.setRollbackOnly();
                return null;
            }
            });
        } catch (RuntimeException e) {
            throw workReturned[0] ? CommitOutcomes.translate(e, key, AnnotationKeys.methodName(method), true) : e;
        }
        if (checked[0] != null) {
            throw checked[0];
        }
        return result;
    }

    @SuppressWarnings("try") // the lock is held for the body's sake; the body does not name it
    private static Object inSession(MethodInvocation invocation, AdvisoryLocks advisoryLocks, LockKey key,
                                    AdvisoryLock.OnBusy onBusy, Duration wait, Method method) throws Throwable {
        Optional<SessionLock> lock = onBusy == AdvisoryLock.OnBusy.WAIT ? Optional.of(advisoryLocks.acquire(key, wait))
                : advisoryLocks.tryAcquire(key);
        if (lock.isEmpty()) {
            return busy(key, onBusy, method);
        }
        try (SessionLock held = lock.get()) {
            return invocation.proceed();
        } catch (RuntimeException e) {
            // Outside the transaction advisor: a commit of the method's own @Transactional fails through here.
            throw CommitOutcomes.translate(e, key, AnnotationKeys.methodName(method), false);
        }
    }

    private static Object busy(LockKey key, AdvisoryLock.OnBusy onBusy, Method method) {
        if (onBusy == AdvisoryLock.OnBusy.FAIL) {
            throw new LockNotAvailableException(key, "advisory lock " + key + " is held by another session, and "
                    + AnnotationKeys.methodName(method) + " says onBusy = FAIL: the method did not run. Next: retry "
                    + "later, or use onBusy = WAIT with a wait, or SKIP.");
        }
        return skipped(method.getReturnType());
    }

    /** What a skipped call returns: empty, false, zero or null as the return type allows. */
    static Object skipped(Class<?> type) {
        if (type == Optional.class) {
            return Optional.empty();
        }
        if (type == boolean.class) {
            return false;
        }
        if (type == char.class) {
            return '\0';
        }
        if (type.isPrimitive() && type != void.class) {
            return switch (type.getName()) {
                case "long" -> 0L;
                case "double" -> 0d;
                case "float" -> 0f;
                case "short" -> (short) 0;
                case "byte" -> (byte) 0;
                default -> 0;
            };
        }
        return null;
    }
}
