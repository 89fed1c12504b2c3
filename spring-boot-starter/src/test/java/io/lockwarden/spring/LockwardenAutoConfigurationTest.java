package io.lockwarden.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockwarden.AdvisoryLocks;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.jdbc.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.autoconfigure.transaction.TransactionAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** What the auto-configuration defines, binds and backs off from (no database needed: nothing connects). */
class LockwardenAutoConfigurationTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(LockwardenAutoConfiguration.class,
                    DataSourceTransactionManagerAutoConfiguration.class, TransactionAutoConfiguration.class))
            .withBean(PGSimpleDataSource.class);

    @Test
    void anAdvisoryLocksBeanIsDefinedFromTheDataSourceWithTheBoundProperties() {
        runner.withPropertyValues("lockwarden.default-timeout=12s", "lockwarden.heartbeat=1500ms",
                "lockwarden.fencing.enabled=true", "lockwarden.fencing.table=app.fences",
                "lockwarden.guard.enabled=false", "lockwarden.key-namespace=billing",
                "lockwarden.advice-order.session=5", "lockwarden.transaction-pooling=true",
                "lockwarden.vanished-client-timeout=20s").run(context -> {
            AdvisoryLocks locks = context.getBean(AdvisoryLocks.class);
            assertThat(locks.defaultTimeout()).isEqualTo(Duration.ofSeconds(12));
            assertThat(locks.heartbeat()).isEqualTo(Duration.ofMillis(1500));
            assertThat(locks.fencingTable()).contains("app.fences");
            LockwardenProperties properties = context.getBean(LockwardenProperties.class);
            assertThat(properties.getGuard().isEnabled()).isFalse();
            assertThat(properties.getKeyNamespace()).isEqualTo("billing");
            assertThat(properties.getAdviceOrder().getSession()).isEqualTo(5);
            assertThat(properties.isTransactionPooling()).isTrue();
            assertThat(properties.getVanishedClientTimeout()).isEqualTo(Duration.ofSeconds(20));
        });
    }

    @Test
    void itBacksOffWhenTheApplicationDefinesItsOwnAdvisoryLocks() {
        runner.withUserConfiguration(OwnLocks.class).run(context -> {
            assertThat(context).hasSingleBean(AdvisoryLocks.class);
            assertThat(context.getBean(AdvisoryLocks.class).defaultTimeout()).isEqualTo(Duration.ofSeconds(3));
            assertThat(context).hasBean("lockwardenTransactionLockAdvisor");
        });
    }

    @Test
    void itIsOffWithEnabledFalseAndWithoutADataSource() {
        runner.withPropertyValues("lockwarden.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(AdvisoryLocks.class));
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(LockwardenAutoConfiguration.class))
                .run(context -> assertThat(context).doesNotHaveBean(AdvisoryLocks.class));
    }

    @Test
    void anInvalidPropertyFailsStartupNamingIt() {
        runner.withPropertyValues("lockwarden.fencing.enabled=true", "lockwarden.fencing.table=x; drop table y")
                .run(context -> assertThat(context).hasFailed().getFailure()
                        .hasStackTraceContaining("fencing table name must be"));
        runner.withPropertyValues("lockwarden.default-timeout=0s")
                .run(context -> assertThat(context).hasFailed().getFailure()
                        .hasStackTraceContaining("lockwarden.default-timeout must be positive, got PT0S"));
        runner.withPropertyValues("lockwarden.heartbeat=40s", "lockwarden.vanished-client-timeout=30s")
                .run(context -> assertThat(context).hasFailed().getFailure()
                        .hasStackTraceContaining("must be shorter than vanishedClientTimeout"));
        runner.withPropertyValues("lockwarden.vanished-client-timeout=-1s")
                .run(context -> assertThat(context).hasFailed().getFailure()
                        .hasStackTraceContaining("lockwarden.vanished-client-timeout must be 0 (off) or positive"));
    }

    @Test
    void theHeldLocksGaugeStillReadsAfterGarbageCollection() {
        io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        new io.lockwarden.spring.internal.LockMetrics(registry, () -> 3);
        for (int i = 0; i < 5; i++) {
            System.gc();
        }
        assertThat(registry.get("lockwarden.locks.held").gauge().value()).as("not NaN after GC").isEqualTo(3.0);
    }

    @Test
    void configurationMetadataDescribesEveryPropertySoIdesCompleteThem() throws Exception {
        String json;
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("generated by spring-boot-configuration-processor").isNotNull();
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(json).contains("\"lockwarden.default-timeout\"", "\"lockwarden.heartbeat\"",
                "\"lockwarden.guard.enabled\"", "\"lockwarden.key-namespace\"", "\"lockwarden.fencing.enabled\"",
                "\"lockwarden.fencing.table\"", "\"lockwarden.advice-order.session\"", "\"30s\"", "\"5s\"",
                "\"lockwarden.vanished-client-timeout\"", "\"lockwarden.transaction-pooling\"");
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnLocks {
        @Bean
        AdvisoryLocks myLocks(javax.sql.DataSource dataSource) {
            return AdvisoryLocks.builder(dataSource).defaultTimeout(Duration.ofSeconds(3)).build();
        }
    }
}
