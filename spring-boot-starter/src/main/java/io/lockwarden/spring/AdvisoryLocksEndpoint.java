package io.lockwarden.spring;

import io.lockwarden.spring.internal.HeldLocks;
import io.lockwarden.spring.internal.SingletonTasks;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * Actuator endpoint {@code advisorylocks} ({@code GET /actuator/advisorylocks} once exposed): the
 * advisory locks this instance holds through the {@code AdvisoryLocks} bean, and its
 * {@link ScheduledSingleton} tasks. The JSON shape is documented in docs/spring.md. Thread-safe.
 */
@Endpoint(id = "advisorylocks")
public class AdvisoryLocksEndpoint {
    private final HeldLocks held;
    private final SingletonTasks singletons;

    /**
     * @param held       the registry of held locks
     * @param singletons the scheduled singletons
     */
    public AdvisoryLocksEndpoint(HeldLocks held, SingletonTasks singletons) {
        this.held = held;
        this.singletons = singletons;
    }

    /** What this instance holds now. */
    @ReadOperation
    public Report report() {
        Instant now = held.clock().instant();
        List<Lock> locks = held.snapshot().stream().map(e -> new Lock(e.key().label(),
                e.key().namespace().orElse(null), e.key().classid(), e.key().objid(), e.key().objsubid(),
                e.scope().name().toLowerCase(), e.mode().name().toLowerCase(), e.pid(), e.acquiredAt(),
                Duration.between(e.acquiredAt(), now).toMillis() / 1000.0, e.thread())).toList();
        List<Singleton> tasks = singletons.states().stream().map(s -> new Singleton(s.task(), s.key().label(),
                s.leader() ? "leader" : "follower", s.leader() ? s.pid() : null, s.runs(), s.skips(), s.losses(),
                s.lastRun(), s.lastFailure())).toList();
        return new Report(locks, tasks);
    }

    /**
     * The endpoint's answer.
     *
     * @param locks      held locks, oldest first
     * @param singletons scheduled singleton tasks, by name
     */
    public record Report(List<Lock> locks, List<Singleton> singletons) {
    }

    /**
     * One held lock.
     *
     * @param key         the key's label ({@code namespace/name}, or the number)
     * @param namespace   the namespace of a named key, else null
     * @param classid     {@code pg_locks.classid}
     * @param objid       {@code pg_locks.objid}
     * @param objsubid    {@code pg_locks.objsubid}
     * @param scope       {@code transaction}, {@code session} or {@code leader}
     * @param mode        {@code exclusive} or {@code shared}
     * @param pid         the backend pid holding it
     * @param acquiredAt  when it was granted
     * @param heldSeconds how long it has been held
     * @param thread      the thread that acquired it
     */
    public record Lock(String key, String namespace, long classid, long objid, int objsubid, String scope, String mode,
                       int pid, Instant acquiredAt, double heldSeconds, String thread) {
    }

    /**
     * One scheduled singleton.
     *
     * @param task        {@code SimpleClassName.method}
     * @param key         its lock's label
     * @param role        {@code leader} or {@code follower}
     * @param pid         the backend pid holding the leader lock, when leading
     * @param runs        runs in this instance
     * @param skips       ticks skipped because another instance led
     * @param losses      leader locks lost
     * @param lastRun     the start of the last run here, or null
     * @param lastFailure the last failure to take the lock (database error), or null
     */
    public record Singleton(String task, String key, String role, Integer pid, long runs, long skips, long losses,
                            Instant lastRun, String lastFailure) {
    }
}
