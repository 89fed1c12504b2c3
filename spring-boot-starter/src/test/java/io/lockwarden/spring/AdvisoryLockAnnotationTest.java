package io.lockwarden.spring;

import static io.lockwarden.spring.InventoryService.key;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockwarden.AdvisoryLocks;
import io.lockwarden.LockKey;
import io.lockwarden.LockNotAvailableException;
import io.lockwarden.LockTimeoutException;
import io.lockwarden.UnsafeLockUsageException;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** {@code @AdvisoryLock} in a Spring Boot application on a real PostgreSQL, proven on pg_locks. */
class AdvisoryLockAnnotationTest {
    private static ConfigurableApplicationContext context;
    private static InventoryService service;

    @BeforeAll
    static void start() throws Exception {
        ServerLocks.exec("CREATE TABLE IF NOT EXISTS reservations (sku text NOT NULL, quantity int NOT NULL)");
        context = new SpringApplicationBuilder(InventoryApplication.class)
                .properties(ServerLocks.datasource(ServerLocks.SERVER.jdbcUrl()))
                .properties("lockwarden.default-timeout=7s", "lockwarden.heartbeat=250ms",
                        "lockwarden.key-namespace=orders", "management.endpoints.web.exposure.include=*")
                .run();
        service = context.getBean(InventoryService.class);
    }

    @AfterAll
    static void stop() {
        context.close();
    }

    @BeforeEach
    void clean() throws Exception {
        ServerLocks.exec("TRUNCATE reservations");
        service.ran().clear();
    }

    @AfterEach
    void nothingLeftHeld() throws InterruptedException {
        ServerLocks.await("no lock left on inventory/a", () -> ServerLocks.holders(key("a")).isEmpty());
    }

    /** A closed holder connection ends its backend a moment later. */
    private static void awaitReleased(String sku) throws InterruptedException {
        ServerLocks.await("the raw holder of " + sku + " is gone", () -> ServerLocks.holders(key(sku)).isEmpty());
    }

    @Test
    void aTransactionLockIsHeldByTheTransactionsOwnBackendAndEndsWithTheCommit() throws Exception {
        InventoryService.Seen seen = service.reserve("a", 1);
        assertThat(seen.inBody()).containsExactly(seen.transactionPid());
        assertThat(ServerLocks.holders(key("a"))).isEmpty();
        assertThat(ServerLocks.count("SELECT count(*) FROM reservations")).isEqualTo(1);
    }

    @Test
    void aRollbackReleasesTheLockAndUndoesTheWork() throws Exception {
        assertThatThrownBy(() -> service.reserve("a", -1)).isInstanceOf(IllegalStateException.class);
        assertThat(service.ran()).containsExactly("reserve a");
        assertThat(ServerLocks.holders(key("a"))).isEmpty();
        assertThat(ServerLocks.count("SELECT count(*) FROM reservations")).isZero();
        assertThat(service.reserve("a", 2).inBody()).as("the next caller gets it at once").hasSize(1);
    }

    @Test
    void spelKeysReadRecordAccessorsAndPositionsAndUnnamedNamespacesUseTheProperty() {
        InventoryService.Seen line = service.reserveLine(new InventoryService.OrderLine("a", 2));
        assertThat(line.inBody()).containsExactly(line.transactionPid());
        InventoryService.Seen position = service.byPosition("17");
        assertThat(position.inBody()).as("LockKey.named(\"orders\", \"p-17\")").containsExactly(position.transactionPid());
    }

    @Test
    void waitBlocksOnTheServerUntilTheHolderLetsGo() throws Exception {
        CompletableFuture<InventoryService.Seen> call;
        try (Connection holder = ServerLocks.holdRaw(key("a"))) {
            call = CompletableFuture.supplyAsync(() -> service.reserve("a", 1));
            ServerLocks.await("the call waits for the advisory lock", ServerLocks::someoneWaits);
            assertThat(call).isNotDone();
            assertThat(service.ran()).isEmpty();
        }
        InventoryService.Seen seen = call.get(30, TimeUnit.SECONDS);
        assertThat(seen.inBody()).containsExactly(seen.transactionPid());
    }

    @Test
    void waitGivesUpAfterItsWaitForWithTheServersLockTimeout() throws Exception {
        try (Connection holder = ServerLocks.holdRaw(key("a"))) {
            int holderPid = holder.unwrap(org.postgresql.PGConnection.class).getBackendPID();
            assertThatThrownBy(() -> service.reserveQuickly("a")).isInstanceOf(LockTimeoutException.class)
                    .hasMessageContaining("inventory/a").hasMessageContaining("300 ms")
                    .hasMessageContaining("Held by pid " + holderPid)
                    .hasMessageNotContaining("had already gone")
                    .satisfies(e -> assertThat(((LockTimeoutException) e).holderPids()).containsExactly(holderPid));
        }
        assertThat(service.ran()).isEmpty();
    }

    @Test
    void skipDoesNotRunTheMethodAndReturnsEmptyWhileFailThrows() throws Exception {
        try (Connection holder = ServerLocks.holdRaw(key("a"))) {
            assertThat(service.reserveIfFree("a")).isEmpty();
            assertThatThrownBy(() -> service.reserveOrFail("a")).isInstanceOf(LockNotAvailableException.class)
                    .hasMessageContaining("onBusy = FAIL");
        }
        assertThat(service.ran()).isEmpty();
        awaitReleased("a");
        assertThat(service.reserveIfFree("a")).hasValueSatisfying(seen ->
                assertThat(seen.inBody()).containsExactly(seen.transactionPid()));
        assertThat(service.reserveOrFail("a")).isTrue();
    }

    @Test
    void transactionScopeWithoutATransactionIsRefusedAndNothingIsLocked() {
        assertThatThrownBy(() -> service.withoutTransaction("a")).isInstanceOf(UnsafeLockUsageException.class)
                .hasMessageContaining("no active Spring transaction").hasMessageContaining("@Transactional");
        assertThat(service.ran()).isEmpty();
        assertThat(ServerLocks.holders(key("a"))).isEmpty();
    }

    @Test
    void beginTransactionOpensOneAndTheLockEndsWithIt() {
        InventoryService.Seen seen = service.inItsOwnTransaction("a");
        assertThat(seen.inBody()).containsExactly(seen.transactionPid());
        assertThat(ServerLocks.holders(key("a"))).isEmpty();
    }

    @Test
    void aSessionLockIsTakenBeforeTheTransactionAndReleasedAfterItCompletes() {
        service.sessionAroundTransaction("a");
        InventoryService.Seen seen = service.lastSeen();
        assertThat(seen.inBody()).hasSize(1).doesNotContain(seen.transactionPid());
        assertThat(seen.beforeCommit()).isEqualTo(seen.inBody());
        assertThat(seen.afterCompletion()).as("still held once the transaction has committed").isEqualTo(seen.inBody());
        assertThat(ServerLocks.holders(key("a"))).isEmpty();
    }

    @Test
    void propertiesAreBoundIntoTheAdvisoryLocksBean() {
        AdvisoryLocks locks = context.getBean(AdvisoryLocks.class);
        assertThat(locks.defaultTimeout()).isEqualTo(Duration.ofSeconds(7));
        assertThat(locks.heartbeat()).isEqualTo(Duration.ofMillis(250));
        assertThat(locks.fencingTable()).isEmpty();
        assertThat(context.getBean(LockwardenProperties.class).getKeyNamespace()).isEqualTo("orders");
    }

    @Test
    void metricsCountWaitsHoldsBusySkipsAndTimeouts() throws Exception {
        MeterRegistry registry = context.getBean(MeterRegistry.class);
        service.reserve("a", 1);
        try (Connection holder = ServerLocks.holdRaw(key("a"))) {
            service.reserveIfFree("a");
            assertThatThrownBy(() -> service.reserveQuickly("a")).isInstanceOf(LockTimeoutException.class);
        }
        awaitReleased("a");
        service.whileHoldingSession("a", () -> null);
        assertThat(registry.get("lockwarden.lock.wait").tags("scope", "transaction", "namespace", "inventory")
                .timer().count()).isPositive();
        assertThat(registry.get("lockwarden.lock.hold").tags("scope", "session", "namespace", "inventory")
                .timer().count()).isPositive();
        assertThat(registry.get("lockwarden.lock.busy").tags("scope", "transaction").counter().count()).isPositive();
        assertThat(registry.get("lockwarden.lock.timeouts").tags("scope", "transaction").counter().count()).isPositive();
        assertThat(registry.find("lockwarden.locks.held").gauge()).isNotNull();
        assertThat(registry.getMeters()).filteredOn(m -> m.getId().getName().startsWith("lockwarden."))
                .isNotEmpty().allSatisfy(m -> assertThat(m.getId().getTags())
                .noneSatisfy(t -> assertThat(t.getKey()).isIn("key", "name", "pid")));
    }

    @Test
    void theEndpointListsTheLocksThisInstanceHoldsWithTheirPid() {
        AdvisoryLocksEndpoint endpoint = context.getBean(AdvisoryLocksEndpoint.class);
        AdvisoryLocksEndpoint.Report inside = service.whileHoldingSession("a", endpoint::report);
        LockKey key = key("a");
        assertThat(inside.locks()).singleElement().satisfies(lock -> {
            assertThat(lock.key()).isEqualTo("inventory/a");
            assertThat(lock.namespace()).isEqualTo("inventory");
            assertThat(lock.scope()).isEqualTo("session");
            assertThat(lock.objsubid()).isEqualTo(key.objsubid());
            assertThat(lock.classid()).isEqualTo(key.classid());
            assertThat(lock.heldSeconds()).isNotNegative();
        });
        assertThat(endpoint.report().locks()).isEmpty();
        service.reserve("a", 1);
        assertThat(endpoint.report().locks()).as("transaction locks leave the list with their transaction").isEmpty();
    }
}
