package io.lockwarden.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs a method (typically {@code @Scheduled}) on one instance of a cluster at a time, through a
 * leader lock ({@code io.lockwarden.LeaderLock}: a session lock with a heartbeat) on
 * {@code LockKey.named(namespace, name)}.
 *
 * <pre>{@code
 * @Scheduled(fixedDelay = 60_000)
 * @ScheduledSingleton(namespace = "jobs", name = "invoice-run")
 * public void invoiceRun() throws InterruptedException { ... }
 * }</pre>
 *
 * <p>With {@link #keepLeadership()} (default) the instance that wins keeps the lock between runs and
 * runs every tick; the others skip ({@link OnBusy#SKIP}) or wait ({@link OnBusy#WAIT}) at every tick
 * until it stops, dies or loses the lock. Before each run the leader checks on the server (one round
 * trip) that it still holds the lock. Without it, each run takes and releases the lock, so runs
 * never overlap across the cluster.
 *
 * <p><b>Lost-lock cancellation</b>: when the heartbeat finds the lock lost while the method runs
 * (backend terminated, server restarted, network dropped), the thread running it is interrupted and an
 * {@link AdvisoryLockLostEvent} is published, within one {@code lockwarden.heartbeat} interval. The
 * method learns it through {@link InterruptedException} or {@link Thread#isInterrupted()}, as
 * Curator's leader contract has it. {@link Leadership#current()} gives the running method its lock
 * (and fencing token).
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface ScheduledSingleton {
    /** The key's namespace; empty means the {@code lockwarden.key-namespace} property. */
    String namespace() default "";

    /** The key's name; empty means {@code SimpleClassName.method}. */
    String name() default "";

    /** What a tick does while another instance leads. */
    OnBusy onBusy() default OnBusy.SKIP;

    /** The longest wait for {@link OnBusy#WAIT}, e.g. {@code 30s}; empty means {@code lockwarden.default-timeout}. */
    String waitFor() default "";

    /** Keep the lock between runs (leader election) rather than take and release it at every run. */
    boolean keepLeadership() default true;

    /** What a tick does while another instance holds the lock. */
    enum OnBusy {
        /** Skip this run (one round trip to find out). */
        SKIP,
        /** Wait up to {@link ScheduledSingleton#waitFor()} for the lock; skip the run if it stays busy. */
        WAIT
    }
}
