package io.lockwarden.spring;

import io.lockwarden.spring.internal.HeldLocks;
import io.lockwarden.spring.internal.LockMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Lock metrics ({@code lockwarden.lock.*}, see docs/spring.md) when Micrometer and a
 * {@link MeterRegistry} bean are present.
 */
@AutoConfiguration(before = LockwardenAutoConfiguration.class, afterName = {
        "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration"})
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean(MeterRegistry.class)
public class LockwardenMetricsAutoConfiguration {
    /**
     * The listener that turns lock events into meters.
     *
     * @return a {@link io.lockwarden.LockListener} the AdvisoryLocks bean picks up
     */
    @Bean
    @ConditionalOnMissingBean
    public LockMetrics lockwardenLockMetrics(MeterRegistry registry, ObjectProvider<HeldLocks> held) {
        return new LockMetrics(registry, () -> {
            HeldLocks h = held.getIfAvailable();
            return h == null ? 0 : h.count();
        });
    }
}
