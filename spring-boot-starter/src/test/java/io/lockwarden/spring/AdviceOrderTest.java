package io.lockwarden.spring;

import static io.lockwarden.spring.InventoryService.key;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockwarden.UnsafeLockUsageException;
import io.lockwarden.spring.internal.AdviceOrders;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.aop.Advisor;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.Ordered;
import org.springframework.transaction.interceptor.BeanFactoryTransactionAttributeSourceAdvisor;

/**
 * The order of the lock interceptors around Spring's transaction advisor, both ways: the order the
 * starter sets (transaction locks inside the transaction, session locks around it), and the reverse,
 * where the transaction lock would be taken before any transaction exists and the session lock ends
 * before the transaction commits.
 */
class AdviceOrderTest {
    private static ConfigurableApplicationContext right;
    private static ConfigurableApplicationContext reversed;

    @BeforeAll
    static void start() throws Exception {
        ServerLocks.exec("CREATE TABLE IF NOT EXISTS reservations (sku text NOT NULL, quantity int NOT NULL)");
        right = new SpringApplicationBuilder(InventoryApplication.class)
                .properties(ServerLocks.datasource(ServerLocks.SERVER.jdbcUrl())).run();
        reversed = new SpringApplicationBuilder(InventoryApplication.class)
                .properties(ServerLocks.datasource(ServerLocks.SERVER.jdbcUrl()))
                .properties("lockwarden.advice-order.session=" + Ordered.LOWEST_PRECEDENCE,
                        "lockwarden.advice-order.transaction=" + Ordered.HIGHEST_PRECEDENCE).run();
    }

    @AfterAll
    static void stop() {
        right.close();
        reversed.close();
    }

    @Test
    void theStarterOrdersTheTransactionAdvisorAndPlacesSessionLocksOutsideAndTransactionLocksInside() {
        int tx = right.getBean(BeanFactoryTransactionAttributeSourceAdvisor.class).getOrder();
        assertThat(tx).isEqualTo(AdviceOrders.TRANSACTION_ADVISOR_ORDER);
        assertThat(order(right, "lockwardenSessionLockAdvisor")).isLessThan(tx);
        assertThat(order(right, "lockwardenTransactionLockAdvisor")).isGreaterThan(tx);
        assertThat(order(right, "lockwardenSingletonAdvisor")).isLessThan(order(right, "lockwardenSessionLockAdvisor"));
    }

    @Test
    void inTheRightOrderTheTransactionLockLivesOnTheTransactionsConnection() {
        InventoryService.Seen seen = right.getBean(InventoryService.class).reserve("order-tx", 1);
        assertThat(seen.inBody()).containsExactly(seen.transactionPid());
        assertThat(ServerLocks.holders(key("order-tx"))).isEmpty();
    }

    @Test
    void reversedTheTransactionLockFindsNoTransactionYetAndIsRefused() {
        InventoryService service = reversed.getBean(InventoryService.class);
        assertThatThrownBy(() -> service.reserve("order-tx", 1)).isInstanceOf(UnsafeLockUsageException.class)
                .hasMessageContaining("no active Spring transaction");
        assertThat(service.ran()).isEmpty();
    }

    @Test
    void inTheRightOrderTheSessionLockOutlivesTheCommit() {
        InventoryService service = right.getBean(InventoryService.class);
        service.sessionAroundTransaction("order-session");
        assertThat(service.lastSeen().beforeCommit()).hasSize(1);
        assertThat(service.lastSeen().afterCompletion()).isEqualTo(service.lastSeen().beforeCommit());
    }

    @Test
    void reversedTheSessionLockEndsBeforeTheTransactionCommits() {
        InventoryService service = reversed.getBean(InventoryService.class);
        service.sessionAroundTransaction("order-session");
        InventoryService.Seen seen = service.lastSeen();
        assertThat(seen.inBody()).as("held while the body ran").hasSize(1);
        assertThat(seen.beforeCommit()).as("already released when the transaction commits: its writes become "
                + "visible after another instance could take the lock").isEmpty();
    }

    private static int order(ConfigurableApplicationContext context, String advisor) {
        return ((Ordered) context.getBean(advisor, Advisor.class)).getOrder();
    }
}
