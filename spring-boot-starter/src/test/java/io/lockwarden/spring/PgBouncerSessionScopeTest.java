package io.lockwarden.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockwarden.LockKey;
import io.lockwarden.testkit.fixture.PgBouncer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * Session-scope {@code @AdvisoryLock} and {@code @ScheduledSingleton} through a stock PgBouncer in
 * transaction pooling with several server connections: 4 threads x 10 calls on one key, and two
 * instances of a scheduled singleton, each body doing a read-modify-write without row locks through
 * the application's own pool (whatever server connection PgBouncer gives it). No update is lost, no two
 * bodies run at once, and nothing is left in {@code pg_locks} (read on the server directly).
 */
class PgBouncerSessionScopeTest {
    static final AtomicInteger INSIDE = new AtomicInteger();
    static final AtomicInteger MOST_INSIDE = new AtomicInteger();
    static final AtomicInteger SINGLETON_INSIDE = new AtomicInteger();
    static final AtomicInteger SINGLETON_MOST_INSIDE = new AtomicInteger();
    static final AtomicInteger SINGLETON_RUNS = new AtomicInteger();

    private static PgBouncer bouncer;

    /** A service whose session-scope method increments a counter with two autocommit statements. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class CounterApplication {
        @Bean
        Counter counter(JdbcTemplate jdbc) {
            return new Counter(jdbc);
        }
    }

    /** The locked read-modify-write. */
    static class Counter {
        private final JdbcTemplate jdbc;

        Counter(JdbcTemplate jdbc) {
            this.jdbc = jdbc;
        }

        @AdvisoryLock(namespace = "bouncer", key = "'session-counter'", scope = AdvisoryLock.Scope.SESSION,
                waitFor = "30s")
        public void increment() {
            MOST_INSIDE.accumulateAndGet(INSIDE.incrementAndGet(), Math::max);
            try {
                Integer v = jdbc.queryForObject("SELECT v FROM bouncer_session_counter", Integer.class);
                jdbc.update("UPDATE bouncer_session_counter SET v = ?", v + 1);
            } finally {
                INSIDE.decrementAndGet();
            }
        }
    }

    /** One instance of a service with a scheduled singleton doing the same read-modify-write. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    @EnableScheduling
    static class SingletonApplication {
        @Bean
        SingletonJob job(JdbcTemplate jdbc, @Value("${instance}") String instance) {
            return new SingletonJob(jdbc);
        }
    }

    /** Takes turns: WAIT for the lock, release it after each run. */
    static class SingletonJob {
        private final JdbcTemplate jdbc;

        SingletonJob(JdbcTemplate jdbc) {
            this.jdbc = jdbc;
        }

        @Scheduled(fixedDelay = 5)
        @ScheduledSingleton(namespace = "bouncer", name = "singleton", onBusy = ScheduledSingleton.OnBusy.WAIT,
                waitFor = "30s", keepLeadership = false)
        public void run() {
            SINGLETON_MOST_INSIDE.accumulateAndGet(SINGLETON_INSIDE.incrementAndGet(), Math::max);
            try {
                Integer v = jdbc.queryForObject("SELECT v FROM bouncer_singleton_counter", Integer.class);
                jdbc.update("UPDATE bouncer_singleton_counter SET v = ?", v + 1);
                SINGLETON_RUNS.incrementAndGet();
            } finally {
                SINGLETON_INSIDE.decrementAndGet();
            }
        }
    }

    @BeforeAll
    static void start() throws Exception {
        ServerLocks.exec("DROP TABLE IF EXISTS bouncer_session_counter");
        ServerLocks.exec("CREATE TABLE bouncer_session_counter (v int NOT NULL)");
        ServerLocks.exec("INSERT INTO bouncer_session_counter VALUES (0)");
        ServerLocks.exec("DROP TABLE IF EXISTS bouncer_singleton_counter");
        ServerLocks.exec("CREATE TABLE bouncer_singleton_counter (v int NOT NULL)");
        ServerLocks.exec("INSERT INTO bouncer_singleton_counter VALUES (0)");
        // Each waiting or held session lock pins a server connection: 4 callers plus the bodies' statements.
        bouncer = PgBouncer.builder(ServerLocks.SERVER).poolMode(PgBouncer.PoolMode.TRANSACTION).poolSize(6).start();
    }

    @AfterAll
    static void stop() {
        bouncer.close();
    }

    @Test
    void sessionScopeKeepsMutualExclusionThroughTransactionPooling() throws Exception {
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(CounterApplication.class)
                .properties(ServerLocks.datasource(bouncer.jdbcUrl()))
                .properties("spring.datasource.hikari.maximum-pool-size=8").run()) {
            Counter counter = context.getBean(Counter.class);
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> calls = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    calls.add(pool.submit(() -> {
                        for (int i = 0; i < 10; i++) {
                            counter.increment();
                        }
                        return null;
                    }));
                }
                for (Future<?> f : calls) {
                    f.get(120, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
        }
        assertThat(ServerLocks.count("SELECT v FROM bouncer_session_counter")).as("no update lost").isEqualTo(40);
        assertThat(MOST_INSIDE.get()).as("bodies running at once").isEqualTo(1);
        assertThat(ServerLocks.holders(LockKey.named("bouncer", "session-counter"))).isEmpty();
    }

    @Test
    void scheduledSingletonsTakeTurnsThroughTransactionPooling() throws Exception {
        String[] props = ServerLocks.datasource(bouncer.jdbcUrl());
        try (ConfigurableApplicationContext a = new SpringApplicationBuilder(SingletonApplication.class)
                .properties(props).properties("instance=a", "spring.datasource.hikari.maximum-pool-size=3").run();
             ConfigurableApplicationContext b = new SpringApplicationBuilder(SingletonApplication.class)
                     .properties(props).properties("instance=b", "spring.datasource.hikari.maximum-pool-size=3").run()) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (SINGLETON_RUNS.get() < 20 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
        }
        int runs = SINGLETON_RUNS.get();
        assertThat(runs).isGreaterThanOrEqualTo(20);
        assertThat(ServerLocks.count("SELECT v FROM bouncer_singleton_counter")).as("no update lost").isEqualTo(runs);
        assertThat(SINGLETON_MOST_INSIDE.get()).as("runs at once").isEqualTo(1);
        assertThat(ServerLocks.holders(LockKey.named("bouncer", "singleton"))).isEmpty();
    }
}
