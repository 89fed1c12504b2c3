package io.lockwarden.spring.internal;

import io.lockwarden.spring.LockwardenProperties;
import java.util.function.Supplier;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.Ordered;
import org.springframework.transaction.interceptor.BeanFactoryTransactionAttributeSourceAdvisor;

/**
 * Where Lockwarden's interceptors sit relative to Spring's transaction advisor, which is what makes
 * a transaction-scope lock live inside the transaction and a session-scope lock around it. Both
 * default to the lowest precedence, which leaves their order to chance, so
 * {@link TransactionAdvisorOrder} moves a transaction advisor left at that default to
 * {@link #TRANSACTION_ADVISOR_ORDER}; the lock orders are derived from the transaction advisor's
 * actual order unless {@code lockwarden.advice-order.*} sets them. Thread-safe.
 */
public final class AdviceOrders {
    /** The order given to Spring's transaction advisor when the application left it at the default. */
    public static final int TRANSACTION_ADVISOR_ORDER = Ordered.LOWEST_PRECEDENCE - 100;

    private final ObjectProvider<BeanFactoryTransactionAttributeSourceAdvisor> transactionAdvisor;
    private final Supplier<LockwardenProperties.AdviceOrder> configured;

    /** Orders relative to the transaction advisor found in the context, if any, unless {@code configured} sets them. */
    public AdviceOrders(ObjectProvider<BeanFactoryTransactionAttributeSourceAdvisor> transactionAdvisor,
                        Supplier<LockwardenProperties.AdviceOrder> configured) {
        this.transactionAdvisor = transactionAdvisor;
        this.configured = configured;
    }

    /** The transaction advisor's order ({@link #TRANSACTION_ADVISOR_ORDER} when there is none). */
    public int transactionAdvisor() {
        BeanFactoryTransactionAttributeSourceAdvisor advisor = transactionAdvisor.getIfUnique();
        return advisor == null ? TRANSACTION_ADVISOR_ORDER : advisor.getOrder();
    }

    /** Session-scope locks: just outside (before) the transaction advisor. */
    public int session() {
        Integer set = configured.get().getSession();
        return set != null ? set : outside(transactionAdvisor());
    }

    /** Transaction-scope locks: just inside (after) the transaction advisor. */
    public int transaction() {
        Integer set = configured.get().getTransaction();
        if (set != null) {
            return set;
        }
        int tx = transactionAdvisor();
        return tx == Ordered.LOWEST_PRECEDENCE ? tx : tx + 1;
    }

    /** Scheduled singletons: outside session-scope locks and the transaction. */
    public int singleton() {
        return outside(session());
    }

    private static int outside(int order) {
        return order == Ordered.HIGHEST_PRECEDENCE ? order : order - 1;
    }
}
