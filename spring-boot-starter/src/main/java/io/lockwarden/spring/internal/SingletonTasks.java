package io.lockwarden.spring.internal;

import io.lockwarden.AdvisoryLocks;
import io.lockwarden.LeaderLock;
import io.lockwarden.LockInterruptedException;
import io.lockwarden.LockKey;
import io.lockwarden.LockLostException;
import io.lockwarden.LockTimeoutException;
import io.lockwarden.LockwardenException;
import io.lockwarden.spring.AdvisoryLockLostEvent;
import io.lockwarden.spring.ScheduledSingleton;
import java.lang.reflect.Method;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;

/**
 * Runs {@link ScheduledSingleton} methods through leader locks, one {@link Task} per method: takes
 * (or keeps) leadership before a run, skips or waits while another instance leads, and interrupts a
 * run whose lock the heartbeat finds lost, publishing an {@link AdvisoryLockLostEvent}. Steps down
 * from every leadership when the application context stops (after the schedulers, before the
 * DataSource closes). Thread-safe.
 */
public final class SingletonTasks implements MethodInterceptor, SmartLifecycle, DisposableBean {
    /** Stops after the task schedulers (which stop in the last phase) and before the DataSource is closed. */
    private static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 1000;
    /** How long closing the context waits for an interrupted run to end before releasing its lock anyway. */
    public static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(10);

    private static final Logger LOG = LoggerFactory.getLogger(SingletonTasks.class);
    private static final ThreadLocal<LeaderLock> CURRENT = new ThreadLocal<>();

    private final ObjectProvider<AdvisoryLocks> locks;
    private final AnnotationKeys keys;
    private final ApplicationEventPublisher events;
    private final Clock clock;
    private final ConcurrentMap<Method, Task> tasks = new ConcurrentHashMap<>();
    private volatile boolean running;
    private volatile boolean closing;

    /** What a task looks like now, for the health indicator and the endpoint. */
    public record State(String task, LockKey key, boolean leader, int pid, long runs, long skips, long losses,
                        Instant lastRun, String lastFailure) {
    }

    /**
     * @param events receives {@link AdvisoryLockLostEvent}s
     */
    public SingletonTasks(ObjectProvider<AdvisoryLocks> locks, AnnotationKeys keys, ApplicationEventPublisher events,
                          Clock clock) {
        this.locks = locks;
        this.keys = keys;
        this.events = events;
        this.clock = clock;
    }

    /** The leader lock of the singleton run on the current thread, if any. */
    public static Optional<LeaderLock> currentLeader() {
        return Optional.ofNullable(CURRENT.get());
    }

    @Override
    public Object invoke(MethodInvocation invocation) throws Throwable {
        Class<?> targetClass = invocation.getThis() == null ? null : AopUtils.getTargetClass(invocation.getThis());
        Method method = targetClass == null ? invocation.getMethod()
                : AopUtils.getMostSpecificMethod(invocation.getMethod(), targetClass);
        Task task = tasks.computeIfAbsent(method, m -> new Task(m,
                AnnotationAdvisor.find(invocation.getMethod(), targetClass, ScheduledSingleton.class)));
        return task.run(invocation);
    }

    /** Every task that has run (or tried to) in this instance, by name. */
    public List<State> states() {
        return tasks.values().stream().map(Task::state).sorted(Comparator.comparing(State::task)).toList();
    }

    @Override
    public void start() {
        running = true;
    }

    /**
     * The context is closing: takes no new leadership, interrupts runs in progress and waits up to
     * {@link #SHUTDOWN_GRACE} for each to end (a run never loses its lock while it is still going, unless
     * it outlasts that), then steps down from all, while the DataSource is still open.
     */
    @Override
    public void stop() {
        closing = true;
        running = false;
        tasks.values().forEach(Task::shutDown);
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    /** Steps down from any leadership left (a context that was never started). */
    @Override
    public void destroy() {
        closing = true;
        tasks.values().forEach(Task::stepDown);
    }

    /** One singleton method: its key, its leadership in this instance and what happened to it. */
    private final class Task {
        private final String name;
        private final LockKey key;
        private final ScheduledSingleton annotation;
        private final Class<?> returnType;
        private final ReentrantLock local = new ReentrantLock();
        private final AtomicLong runs = new AtomicLong();
        private final AtomicLong skips = new AtomicLong();
        private final AtomicLong losses = new AtomicLong();
        private volatile Instant lastRun;
        private volatile String lastFailure;

        // guarded by this
        private LeaderLock leader;
        private Object generation;
        private Thread running;
        private boolean interrupted;

        Task(Method method, ScheduledSingleton annotation) {
            this.name = AnnotationKeys.methodName(method);
            this.annotation = annotation;
            this.key = LockKey.named(keys.namespace(annotation.namespace()),
                    annotation.name().isEmpty() ? name : annotation.name());
            this.returnType = method.getReturnType();
        }

        Object run(MethodInvocation invocation) throws Throwable {
            if (!local.tryLock()) {
                skips.incrementAndGet();
                LOG.debug("singleton {}: the previous run in this instance is still going; skipped", name);
                return AdvisoryLockInterceptor.skipped(returnType);
            }
            try {
                LeaderLock lock = closing ? null : lead();
                if (lock == null) {
                    skips.incrementAndGet();
                    return AdvisoryLockInterceptor.skipped(returnType);
                }
                synchronized (this) {
                    running = Thread.currentThread();
                    interrupted = false;
                }
                CURRENT.set(lock);
                runs.incrementAndGet();
                lastRun = clock.instant();
                try {
                    return invocation.proceed();
                } finally {
                    CURRENT.remove();
                    boolean wasInterrupted;
                    synchronized (this) {
                        running = null;
                        wasInterrupted = interrupted;
                        interrupted = false;
                    }
                    if (wasInterrupted) {
                        // The interrupt was meant for this run: do not let it reach the scheduler's next task.
                        Thread.interrupted();
                    }
                    if (!annotation.keepLeadership()) {
                        stepDown();
                    }
                }
            } finally {
                local.unlock();
            }
        }

        /** The leadership to run under, taken or confirmed now; null when another instance leads. */
        private LeaderLock lead() {
            LeaderLock current;
            synchronized (this) {
                current = leader;
            }
            if (current != null) {
                try {
                    current.verifyHeld();
                    return current;
                } catch (LockLostException e) {
                    closeQuietly(current); // the loss was reported through the callback
                }
            }
            Object mine = new Object();
            LeaderLock acquired;
            try {
                if (annotation.onBusy() == ScheduledSingleton.OnBusy.WAIT) {
                    Duration wait = annotation.waitFor().isEmpty() ? locks.getObject().defaultTimeout()
                            : AnnotationKeys.wait(annotation.waitFor(), name, "@ScheduledSingleton");
                    acquired = locks.getObject().holdLeader(key, wait, lost -> lost(mine, lost));
                } else {
                    acquired = locks.getObject().tryHoldLeader(key, lost -> lost(mine, lost)).orElse(null);
                }
            } catch (LockTimeoutException e) {
                lastFailure = null;
                LOG.info("singleton {}: another instance kept {} for the whole wait; run skipped", name, key);
                return null;
            } catch (LockInterruptedException e) {
                // e.g. the scheduler shutting down; the interrupt flag stays set for it to see
                LOG.debug("singleton {}: interrupted while waiting for {}; run skipped", name, key);
                return null;
            } catch (LockwardenException e) {
                lastFailure = e.getMessage();
                throw e;
            }
            lastFailure = null;
            if (acquired != null) {
                synchronized (this) {
                    leader = acquired;
                    generation = mine;
                }
                if (annotation.keepLeadership()) {
                    LOG.info("singleton {}: this instance now leads ({} on pid {})", name, key, acquired.pid());
                } else {
                    LOG.debug("singleton {}: took {} on pid {} for one run", name, key, acquired.pid());
                }
            }
            return acquired;
        }

        /** The heartbeat's callback, on a Lockwarden thread. */
        private void lost(Object of, LockLostException cause) {
            losses.incrementAndGet();
            boolean interruptedRun = false;
            synchronized (this) {
                if (of == generation) {
                    leader = null;
                    generation = null;
                    if (running != null) {
                        running.interrupt();
                        interrupted = true;
                        interruptedRun = true;
                    }
                }
            }
            LOG.warn("singleton {}: leadership lost{}: {}", name, interruptedRun ? ", running task interrupted" : "",
                    cause.getMessage());
            try {
                events.publishEvent(new AdvisoryLockLostEvent(SingletonTasks.this, key, name, cause, interruptedRun));
            } catch (RuntimeException e) {
                LOG.warn("singleton {}: a listener of AdvisoryLockLostEvent threw; ignored", name, e);
            }
        }

        void shutDown() {
            synchronized (this) {
                if (running != null) {
                    running.interrupt();
                    interrupted = true;
                }
            }
            try {
                if (local.tryLock(SHUTDOWN_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                    local.unlock();
                } else {
                    LOG.warn("singleton {}: the run in progress did not end within {} s of being interrupted at "
                            + "shutdown; releasing {} anyway", name, SHUTDOWN_GRACE.toSeconds(), key);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            stepDown();
        }

        void stepDown() {
            LeaderLock current;
            synchronized (this) {
                current = leader;
                leader = null;
                generation = null;
            }
            if (current != null) {
                closeQuietly(current);
            }
        }

        private void closeQuietly(LeaderLock lock) {
            try {
                lock.close();
            } catch (LockwardenException e) {
                LOG.warn("singleton {}: releasing {} failed: {}", name, key, e.getMessage());
            }
        }

        synchronized State state() {
            return new State(name, key, leader != null && leader.isHeld(), leader == null ? 0 : leader.pid(),
                    runs.get(), skips.get(), losses.get(), lastRun, lastFailure);
        }
    }
}
