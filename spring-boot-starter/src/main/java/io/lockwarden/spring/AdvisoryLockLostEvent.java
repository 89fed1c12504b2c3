package io.lockwarden.spring;

import io.lockwarden.LockKey;
import io.lockwarden.LockLostException;
import org.springframework.context.ApplicationEvent;

/**
 * Published when a {@link ScheduledSingleton}'s leader lock is found lost. Listeners run on
 * Lockwarden's heartbeat thread: keep them short, or make them {@code @Async}.
 */
public final class AdvisoryLockLostEvent extends ApplicationEvent {
    private static final long serialVersionUID = 1L;

    private final transient LockKey key;
    private final String task;
    private final transient LockLostException cause;
    private final boolean interruptedRun;

    /**
     * @param source         the publisher
     * @param key            the lost lock
     * @param task           the singleton task, {@code Class.method}
     * @param cause          what the heartbeat found
     * @param interruptedRun whether a run was in progress and its thread was interrupted
     */
    public AdvisoryLockLostEvent(Object source, LockKey key, String task, LockLostException cause,
                                 boolean interruptedRun) {
        super(source);
        this.key = key;
        this.task = task;
        this.cause = cause;
        this.interruptedRun = interruptedRun;
    }

    /** The lost lock. */
    public LockKey key() {
        return key;
    }

    /** The singleton task, {@code SimpleClassName.method}. */
    public String task() {
        return task;
    }

    /** What the heartbeat found (its message says why and what to do). */
    public LockLostException cause() {
        return cause;
    }

    /** Whether a run was in progress and its thread was interrupted. */
    public boolean interruptedRun() {
        return interruptedRun;
    }
}
