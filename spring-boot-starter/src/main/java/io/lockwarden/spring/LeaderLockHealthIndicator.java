package io.lockwarden.spring;

import io.lockwarden.spring.internal.SingletonTasks;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/**
 * Health of the {@link ScheduledSingleton} leader locks (contributor {@code leaderLocks}): DOWN when
 * some task's last attempt to take its lock failed with a database error (this instance cannot take
 * part in the election), UP otherwise, whether it leads or follows. Details per task: key, role,
 * pid, runs, skips, losses, last failure. Thread-safe.
 */
public class LeaderLockHealthIndicator implements HealthIndicator {
    private final SingletonTasks singletons;

    /** Health of these singletons. */
    public LeaderLockHealthIndicator(SingletonTasks singletons) {
        this.singletons = singletons;
    }

    @Override
    public Health health() {
        Health.Builder health = Health.up();
        for (SingletonTasks.State s : singletons.states()) {
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("key", s.key().label());
            detail.put("role", s.leader() ? "leader" : "follower");
            if (s.leader()) {
                detail.put("pid", s.pid());
            }
            detail.put("runs", s.runs());
            detail.put("skips", s.skips());
            detail.put("losses", s.losses());
            if (s.lastFailure() != null) {
                detail.put("lastFailure", s.lastFailure());
                health.down();
            }
            health.withDetail(s.task(), detail);
        }
        return health.build();
    }
}
