package io.lockwarden.spring;

import io.lockwarden.AdvisoryLocks;
import io.lockwarden.LockListener;
import io.lockwarden.spring.internal.AdviceOrders;
import io.lockwarden.spring.internal.AdvisoryLockInterceptor;
import io.lockwarden.spring.internal.AnnotationAdvisor;
import io.lockwarden.spring.internal.AnnotationKeys;
import io.lockwarden.spring.internal.HeldLocks;
import io.lockwarden.spring.internal.LockListeners;
import io.lockwarden.spring.internal.SingletonTasks;
import io.lockwarden.spring.internal.TransactionAdvisorOrder;
import java.time.Clock;
import javax.sql.DataSource;
import org.springframework.aop.Advisor;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Role;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.interceptor.BeanFactoryTransactionAttributeSourceAdvisor;

/**
 * Auto-configures Lockwarden on the application's (single) {@link DataSource}: an {@link AdvisoryLocks}
 * bean (unless the application defines one), the {@link AdvisoryLock} and {@link ScheduledSingleton}
 * interceptors, ordered explicitly around Spring's transaction advisor, and the registry of held locks
 * that the Actuator endpoint lists. Off with {@code lockwarden.enabled=false}.
 */
@AutoConfiguration(after = DataSourceAutoConfiguration.class)
@ConditionalOnClass({AdvisoryLocks.class, DataSource.class})
@ConditionalOnSingleCandidate(DataSource.class)
@ConditionalOnProperty(prefix = "lockwarden", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(LockwardenProperties.class)
public class LockwardenAutoConfiguration {
    /** The bean name of the AdvisoryLocks this configuration defines. */
    public static final String ADVISORY_LOCKS_BEAN = "advisoryLocks";

    /**
     * The locks this instance holds, from the lock events.
     *
     * @return the registry (also a {@link LockListener})
     */
    @Bean
    @ConditionalOnMissingBean
    public HeldLocks lockwardenHeldLocks() {
        return new HeldLocks(Clock.systemUTC());
    }

    /**
     * The lock entry point: the DataSource (wrapped by {@link AdvisoryLocks#guard} unless
     * {@code lockwarden.guard.enabled=false}), the {@code lockwarden.*} settings and every
     * {@link LockListener} bean.
     *
     * @return the thread-safe AdvisoryLocks
     * @throws IllegalArgumentException when a property is invalid (e.g. a zero timeout)
     */
    @Bean(ADVISORY_LOCKS_BEAN)
    @ConditionalOnMissingBean
    public AdvisoryLocks advisoryLocks(DataSource dataSource, LockwardenProperties properties,
                                       ObjectProvider<LockListener> listeners) {
        AdvisoryLocks.Builder builder = AdvisoryLocks.builder(properties.getGuard().isEnabled()
                        ? AdvisoryLocks.guard(dataSource) : dataSource)
                .defaultTimeout(properties.getDefaultTimeout())
                .heartbeat(properties.getHeartbeat())
                .transactionPooling(properties.isTransactionPooling())
                .listener(new LockListeners(listeners.orderedStream().toList()));
        if (properties.getVanishedClientTimeout() != null) {
            builder.vanishedClientTimeout(properties.getVanishedClientTimeout());
        }
        if (properties.getFencing().isEnabled()) {
            builder.fencingTable(properties.getFencing().getTable());
        }
        return builder.build();
    }

    /**
     * Moves Spring's transaction advisor off the ambiguous default order, so the lock interceptors can
     * be placed inside and outside it.
     *
     * @return the post-processor
     */
    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    public static TransactionAdvisorOrder lockwardenTransactionAdvisorOrder() {
        return new TransactionAdvisorOrder();
    }

    /**
     * The interceptor orders relative to the transaction advisor.
     *
     * @return the orders
     */
    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    public static AdviceOrders lockwardenAdviceOrders(
            ObjectProvider<BeanFactoryTransactionAttributeSourceAdvisor> transactionAdvisor,
            ObjectProvider<LockwardenProperties> properties) {
        return new AdviceOrders(transactionAdvisor, () -> properties.getObject().getAdviceOrder());
    }

    /**
     * Resolves annotation keys.
     *
     * @return the resolver
     */
    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    public static AnnotationKeys lockwardenAnnotationKeys(ObjectProvider<LockwardenProperties> properties) {
        return new AnnotationKeys(() -> properties.getObject().getKeyNamespace());
    }

    /**
     * The {@link AdvisoryLock} interceptor, shared by both scopes' advisors.
     *
     * @return the interceptor
     */
    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    public static AdvisoryLockInterceptor lockwardenAdvisoryLockInterceptor(ObjectProvider<AdvisoryLocks> locks,
            ObjectProvider<DataSource> dataSource, ObjectProvider<PlatformTransactionManager> transactions,
            AnnotationKeys keys) {
        return new AdvisoryLockInterceptor(locks, dataSource, transactions, keys);
    }

    /**
     * {@code @AdvisoryLock(scope = SESSION)}: outside the transaction advisor.
     *
     * @return the advisor
     */
    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    public static Advisor lockwardenSessionLockAdvisor(AdvisoryLockInterceptor interceptor, AdviceOrders orders) {
        return new AnnotationAdvisor<>(AdvisoryLock.class, a -> a.scope() == AdvisoryLock.Scope.SESSION, interceptor,
                orders::session);
    }

    /**
     * {@code @AdvisoryLock(scope = TRANSACTION)}: inside the transaction advisor.
     *
     * @return the advisor
     */
    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    public static Advisor lockwardenTransactionLockAdvisor(AdvisoryLockInterceptor interceptor, AdviceOrders orders) {
        return new AnnotationAdvisor<>(AdvisoryLock.class, a -> a.scope() == AdvisoryLock.Scope.TRANSACTION,
                interceptor, orders::transaction);
    }

    /**
     * The scheduled singletons' leadership.
     *
     * @return the interceptor, which also steps down from leadership when the context closes
     */
    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    public static SingletonTasks lockwardenSingletonTasks(ObjectProvider<AdvisoryLocks> locks, AnnotationKeys keys,
                                                          ApplicationEventPublisher events) {
        return new SingletonTasks(locks, keys, events, Clock.systemUTC());
    }

    /**
     * {@code @ScheduledSingleton}: outside everything else Lockwarden and the transaction do.
     *
     * @return the advisor
     */
    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    public static Advisor lockwardenSingletonAdvisor(SingletonTasks tasks, AdviceOrders orders) {
        return new AnnotationAdvisor<>(ScheduledSingleton.class, a -> true, tasks, orders::singleton);
    }
}
