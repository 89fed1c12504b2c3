package io.lockwarden.spring;

import static io.lockwarden.spring.InventoryService.key;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockwarden.testkit.fixture.PgBouncer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Transaction-scope {@code @AdvisoryLock} through a stock PgBouncer in transaction pooling (pgjdbc with
 * {@code prepareThreshold=0}, as the fixture's URL has it): the lock lives on the server connection
 * PgBouncer gave the transaction, and ends with it. pg_locks is read on the server directly.
 */
class PgBouncerTransactionScopeTest {
    private static PgBouncer bouncer;
    private static ConfigurableApplicationContext context;

    @BeforeAll
    static void start() throws Exception {
        ServerLocks.exec("CREATE TABLE IF NOT EXISTS reservations (sku text NOT NULL, quantity int NOT NULL)");
        bouncer = PgBouncer.builder(ServerLocks.SERVER).poolMode(PgBouncer.PoolMode.TRANSACTION).poolSize(2).start();
        context = new SpringApplicationBuilder(InventoryApplication.class)
                .properties(ServerLocks.datasource(bouncer.jdbcUrl()))
                .properties("spring.datasource.hikari.maximum-pool-size=4").run();
    }

    @AfterAll
    static void stop() {
        context.close();
        bouncer.close();
    }

    @Test
    void theLockIsHeldByTheTransactionsServerBackendAndARollbackThroughThePoolerReleasesIt() throws Exception {
        InventoryService service = context.getBean(InventoryService.class);
        InventoryService.Seen seen = service.reserve("bouncer", 1);
        assertThat(seen.inBody()).containsExactly(seen.transactionPid());
        assertThat(ServerLocks.holders(key("bouncer"))).isEmpty();

        assertThatThrownBy(() -> service.reserve("bouncer", -1)).isInstanceOf(IllegalStateException.class);
        assertThat(ServerLocks.holders(key("bouncer"))).isEmpty();
        assertThat(ServerLocks.count("SELECT count(*) FROM reservations WHERE sku = 'bouncer' AND quantity < 0")).isZero();
        assertThat(service.reserve("bouncer", 2).inBody()).hasSize(1);
    }
}
