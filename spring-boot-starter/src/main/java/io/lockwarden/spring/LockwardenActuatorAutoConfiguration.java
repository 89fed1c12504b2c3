package io.lockwarden.spring;

import io.lockwarden.spring.internal.HeldLocks;
import io.lockwarden.spring.internal.SingletonTasks;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The Actuator parts, when Actuator is present: the {@code advisorylocks} endpoint and the
 * {@code leaderLocks} health indicator.
 */
@AutoConfiguration(after = LockwardenAutoConfiguration.class)
@ConditionalOnClass(Endpoint.class)
@ConditionalOnBean({HeldLocks.class, SingletonTasks.class})
public class LockwardenActuatorAutoConfiguration {
    /**
     * The endpoint listing held locks and singletons.
     *
     * @return the endpoint
     */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnAvailableEndpoint
    public AdvisoryLocksEndpoint advisoryLocksEndpoint(HeldLocks held, SingletonTasks singletons) {
        return new AdvisoryLocksEndpoint(held, singletons);
    }

    /**
     * The health of leader locks ({@code management.health.leaderlocks.enabled} turns it off).
     *
     * @return the indicator
     */
    @Bean
    @ConditionalOnMissingBean(name = "leaderLocksHealthIndicator")
    @ConditionalOnEnabledHealthIndicator("leaderlocks")
    public LeaderLockHealthIndicator leaderLocksHealthIndicator(SingletonTasks singletons) {
        return new LeaderLockHealthIndicator(singletons);
    }
}
