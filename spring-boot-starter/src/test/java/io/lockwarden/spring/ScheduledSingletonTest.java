package io.lockwarden.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockwarden.LockKey;
import io.lockwarden.spring.internal.SingletonTasks;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.event.EventListener;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * Two application contexts (two "instances" of one service) run the same {@code @Scheduled}
 * {@code @ScheduledSingleton} task against one PostgreSQL: exactly one runs; terminating its backend
 * interrupts its running task, publishes the lost-lock event, and the other instance takes over.
 */
class ScheduledSingletonTest {
    static final LockKey KEY = LockKey.named("jobs", "report");
    /** Runs per instance. */
    static final Map<String, AtomicInteger> RUNS = new ConcurrentHashMap<>();
    /** Instances whose run was interrupted. */
    static final List<String> INTERRUPTED = new CopyOnWriteArrayList<>();
    /** Instances inside a long run now. */
    static final List<String> IN_LONG_RUN = new CopyOnWriteArrayList<>();
    /** The instance whose runs should block until interrupted. */
    static volatile String longRunsFor = "";

    private ConfigurableApplicationContext a;
    private ConfigurableApplicationContext b;

    /** One instance of the service. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    @EnableScheduling
    static class ReportService {
        final List<AdvisoryLockLostEvent> lost = new CopyOnWriteArrayList<>();

        @Bean
        ReportJob reportJob(@Value("${instance}") String instance) {
            return new ReportJob(instance);
        }

        @EventListener
        void onLost(AdvisoryLockLostEvent event) {
            lost.add(event);
        }
    }

    /** The singleton task. */
    static class ReportJob {
        private final String instance;

        ReportJob(String instance) {
            this.instance = instance;
        }

        @Scheduled(fixedDelay = 20)
        @ScheduledSingleton(namespace = "jobs", name = "report")
        public void run() throws InterruptedException {
            RUNS.computeIfAbsent(instance, i -> new AtomicInteger()).incrementAndGet();
            assertThat(Leadership.current()).isPresent();
            if (longRunsFor.equals(instance)) {
                IN_LONG_RUN.add(instance);
                try {
                    Thread.sleep(120_000);
                } catch (InterruptedException e) {
                    INTERRUPTED.add(instance);
                    throw e;
                } finally {
                    IN_LONG_RUN.remove(instance);
                }
            }
        }
    }

    /** Relay runs: the holders pg_locks showed during each, and how many ran at once at most. */
    static final List<String> RELAY_RUNS = new CopyOnWriteArrayList<>();
    static final AtomicInteger RELAY_ACTIVE = new AtomicInteger();
    static final AtomicInteger RELAY_MOST_AT_ONCE = new AtomicInteger();
    static final LockKey RELAY = LockKey.named("jobs", "relay");

    /** An instance of a service whose task takes turns: WAIT for the lock, release it after each run. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    @EnableScheduling
    static class RelayService {
        @Bean
        RelayJob relayJob(@Value("${instance}") String instance) {
            return new RelayJob(instance);
        }
    }

    /** The turn-taking task. */
    static class RelayJob {
        private final String instance;

        RelayJob(String instance) {
            this.instance = instance;
        }

        @Scheduled(fixedDelay = 10)
        @ScheduledSingleton(namespace = "jobs", name = "relay", onBusy = ScheduledSingleton.OnBusy.WAIT,
                waitFor = "20s", keepLeadership = false)
        public void run() throws InterruptedException {
            int active = RELAY_ACTIVE.incrementAndGet();
            RELAY_MOST_AT_ONCE.accumulateAndGet(active, Math::max);
            try {
                int pid = Leadership.current().orElseThrow().pid();
                List<Integer> holders = ServerLocks.holders(RELAY);
                RELAY_RUNS.add(instance + (holders.equals(List.of(pid)) ? " held" : " NOT held: " + holders));
                Thread.sleep(30);
            } finally {
                RELAY_ACTIVE.decrementAndGet();
            }
        }
    }

    @Test
    void withWaitAndNoKeptLeadershipTheInstancesTakeTurnsAndNeverRunAtOnce() throws Exception {
        a = instance(RelayService.class, "a");
        b = instance(RelayService.class, "b");
        ServerLocks.await("both instances have run", () -> RELAY_RUNS.stream().anyMatch(r -> r.startsWith("a"))
                && RELAY_RUNS.stream().anyMatch(r -> r.startsWith("b")) && RELAY_RUNS.size() >= 10);
        a.close();
        b.close();
        assertThat(RELAY_RUNS).allSatisfy(r -> assertThat(r).endsWith(" held"));
        assertThat(RELAY_MOST_AT_ONCE.get()).as("runs across the two instances never overlap").isEqualTo(1);
    }

    @Test
    void aDatabaseThatCannotBeReachedTurnsTheLeaderLockHealthDownWithoutThePassword() throws Exception {
        a = new SpringApplicationBuilder(ReportService.class)
                .properties(ServerLocks.datasource("jdbc:postgresql://127.0.0.1:1/postgres"))
                .properties("instance=unreachable", "spring.datasource.hikari.initialization-fail-timeout=-1",
                        "spring.datasource.hikari.connection-timeout=250").run();
        LeaderLockHealthIndicator indicator = a.getBean(LeaderLockHealthIndicator.class);
        ServerLocks.await("health DOWN", () -> indicator.health().getStatus().equals(Status.DOWN));
        org.springframework.boot.actuate.health.Health health = indicator.health();
        assertThat(health.getDetails()).containsKey("ReportJob.run");
        assertThat(health.getDetails().toString()).contains("jobs/report", "lastFailure")
                .doesNotContain(ServerLocks.SERVER.password());
        assertThat(runs("unreachable")).isZero();
    }

    private static ConfigurableApplicationContext instance(String name) {
        return instance(ReportService.class, name);
    }

    private static ConfigurableApplicationContext instance(Class<?> service, String name) {
        return new SpringApplicationBuilder(service)
                .properties(ServerLocks.datasource(ServerLocks.SERVER.jdbcUrl()))
                .properties("instance=" + name, "spring.application.name=report-" + name,
                        "lockwarden.heartbeat=300ms", "spring.datasource.hikari.maximum-pool-size=3",
                        "management.endpoints.web.exposure.include=*")
                .run();
    }

    @AfterEach
    void stop() throws InterruptedException {
        longRunsFor = "";
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
        ServerLocks.await("the leader lock is released when the contexts close", () -> ServerLocks.holders(KEY).isEmpty());
    }

    @Test
    void exactlyOneInstanceRunsTheTaskAndTheOtherTakesOverWhenTheLeadersBackendIsTerminated() throws Exception {
        a = instance("a");
        b = instance("b");
        ServerLocks.await("ten runs", () -> total() >= 10);
        String leader = RUNS.getOrDefault("a", new AtomicInteger()).get() > 0 ? "a" : "b";
        String follower = leader.equals("a") ? "b" : "a";
        ConfigurableApplicationContext leaderContext = leader.equals("a") ? a : b;
        ConfigurableApplicationContext followerContext = leader.equals("a") ? b : a;
        ServerLocks.await("the follower has skipped ticks", () -> state(followerContext).skips() > 3);
        assertThat(runs(follower)).as("exactly one instance runs").isZero();
        SingletonTasks.State leading = state(leaderContext);
        assertThat(leading.leader()).isTrue();
        assertThat(ServerLocks.holders(KEY)).containsExactly(leading.pid());
        assertThat(health(leaderContext).getStatus()).isEqualTo(Status.UP);
        assertThat(endpoint(leaderContext).singletons()).singleElement()
                .satisfies(s -> assertThat(s.role()).isEqualTo("leader"));
        assertThat(endpoint(leaderContext).locks()).singleElement()
                .satisfies(l -> assertThat(l.pid()).isEqualTo(leading.pid()));

        longRunsFor = leader;
        ServerLocks.await("the leader is inside a long run", () -> IN_LONG_RUN.contains(leader));
        ServerLocks.terminate(leading.pid());

        ServerLocks.await("the leader's running task is interrupted", () -> INTERRUPTED.contains(leader));
        ServerLocks.await("the follower takes over", () -> runs(follower) > 0);
        ReportService leaderService = leaderContext.getBean(ReportService.class);
        ServerLocks.await("the lost-lock event", () -> !leaderService.lost.isEmpty());
        assertThat(leaderService.lost).singleElement().satisfies(event -> {
            assertThat(event.key()).isEqualTo(KEY);
            assertThat(event.task()).isEqualTo("ReportJob.run");
            assertThat(event.interruptedRun()).isTrue();
            assertThat(event.cause().getMessage()).contains("jobs/report");
        });
        SingletonTasks.State taken = state(followerContext);
        assertThat(taken.leader()).isTrue();
        assertThat(ServerLocks.holders(KEY)).containsExactly(taken.pid());
        assertThat(state(leaderContext).losses()).isEqualTo(1);
        assertThat(state(leaderContext).leader()).isFalse();
        assertThat(leaderContext.getBean(MeterRegistry.class).get("lockwarden.lock.lost")
                .tags("scope", "leader", "namespace", "jobs").counter().count()).isEqualTo(1);
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    private static int total() {
        return RUNS.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    private static int runs(String instance) {
        return RUNS.getOrDefault(instance, new AtomicInteger()).get();
    }

    private static SingletonTasks.State state(ConfigurableApplicationContext context) {
        List<SingletonTasks.State> states = context.getBean(SingletonTasks.class).states();
        return states.isEmpty() ? new SingletonTasks.State("", KEY, false, 0, 0, 0, 0, null, null) : states.get(0);
    }

    private static org.springframework.boot.actuate.health.Health health(ConfigurableApplicationContext context) {
        return context.getBean(LeaderLockHealthIndicator.class).health();
    }

    private static AdvisoryLocksEndpoint.Report endpoint(ConfigurableApplicationContext context) {
        return context.getBean(AdvisoryLocksEndpoint.class).report();
    }
}
