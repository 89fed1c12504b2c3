package io.lockwarden.spring.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.core.Ordered;
import org.springframework.core.PriorityOrdered;
import org.springframework.transaction.interceptor.BeanFactoryTransactionAttributeSourceAdvisor;

/**
 * Gives Spring's transaction advisor a definite order ({@link AdviceOrders#TRANSACTION_ADVISOR_ORDER})
 * when the application left it at {@code Ordered.LOWEST_PRECEDENCE}, the default of
 * {@code @EnableTransactionManagement}, so a transaction-scope lock can be placed inside it. An order
 * the application chose is left alone. Registered before the auto-proxy creator (priority-ordered).
 */
public final class TransactionAdvisorOrder implements BeanPostProcessor, PriorityOrdered {
    private static final Logger LOG = LoggerFactory.getLogger(TransactionAdvisorOrder.class);

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (bean instanceof BeanFactoryTransactionAttributeSourceAdvisor advisor
                && advisor.getOrder() == Ordered.LOWEST_PRECEDENCE) {
            advisor.setOrder(AdviceOrders.TRANSACTION_ADVISOR_ORDER);
            LOG.debug("ordered transaction advisor '{}' at {} so @AdvisoryLock interceptors can sit inside and "
                    + "outside it", beanName, AdviceOrders.TRANSACTION_ADVISOR_ORDER);
        }
        return bean;
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }
}
