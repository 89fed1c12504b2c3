package io.lockwarden.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.testkit.engine.EventConditions.event;
import static org.junit.platform.testkit.engine.EventConditions.finishedWithFailure;
import static org.junit.platform.testkit.engine.EventConditions.test;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.instanceOf;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.message;

import io.lockwarden.LockKey;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/**
 * Runs small test classes through JUnit's engine (EngineTestKit) and checks that the extension fails the
 * ones that leave an advisory lock held, and only those.
 */
class NoAdvisoryLockLeaksTest {
    static final PostgresServer SERVER = PostgresServer.shared();
    /** Connections the inner cases leave open on purpose; closed after each outer test. */
    static final List<Connection> LEFT_OPEN = new ArrayList<>();
    /** Pid of the session that leaked in the last inner case. */
    static volatile int leakerPid;
    private static volatile boolean insideEngineTestKit;

    static boolean insideEngineTestKit() {
        return insideEngineTestKit;
    }

    @AfterEach
    void closeLeakers() throws SQLException {
        for (Connection c : LEFT_OPEN) {
            c.close();
        }
        LEFT_OPEN.clear();
        AdvisoryLockAssertions.assertNoAdvisoryLocks(SERVER.dataSource());
    }

    private static EngineExecutionResults runAll(Class<?> testClass) {
        insideEngineTestKit = true;
        try {
            return EngineTestKit.engine("junit-jupiter").selectors(selectClass(testClass)).execute();
        } finally {
            insideEngineTestKit = false;
        }
    }

    private static Events run(Class<?> testClass) {
        insideEngineTestKit = true;
        try {
            return EngineTestKit.engine("junit-jupiter").selectors(selectClass(testClass)).execute().testEvents();
        } finally {
            insideEngineTestKit = false;
        }
    }

    /** Takes a session-level lock on a connection that stays open after the test: a leak. */
    static void leakSessionLock(String applicationName, LockKey key) throws SQLException {
        Connection c = SERVER.connect(applicationName);
        LEFT_OPEN.add(c);
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_advisory_lock(" + key.sqlArguments() + "), pg_backend_pid()")) {
            rs.next();
            leakerPid = rs.getInt(2);
        }
    }

    @Test
    void aTestLeavingASessionLockHeldFailsNamingKeyPidApplicationStateAndQuery() {
        Events events = run(LeakingCase.class);

        events.assertStatistics(s -> s.failed(1).succeeded(0));
        events.assertThatEvents().haveExactly(1, event(test("leaksALock"), finishedWithFailure(
                instanceOf(AdvisoryLockLeakError.class),
                message(m -> m.contains("key billing/#" + LockKey.named("billing", "invoice-42").key2())
                        && m.contains("pid " + leakerPid)
                        && m.contains("application 'leaky-worker'")
                        && m.contains("state idle")
                        && m.contains("pg_advisory_lock")))));
    }

    @Test
    void aTestThatReleasesItsLocksPasses() {
        Events events = run(CleanCase.class);

        events.assertStatistics(s -> s.failed(0).succeeded(2));
    }

    @Test
    void aClassLevelCheckFailsTheClassNotTheTestAndOnlyOnce() {
        EngineExecutionResults results = runAll(ClassLevelCase.class);

        results.testEvents().assertStatistics(s -> s.failed(0).succeeded(2));
        results.containerEvents().assertStatistics(s -> s.failed(1));
        results.allEvents().assertThatEvents().haveExactly(1, event(finishedWithFailure(
                instanceOf(AdvisoryLockLeakError.class), message(m -> m.contains("after all tests of")))));
    }

    @Test
    void locksOutsideTheApplicationNameScopeAreIgnoredAndLocksInsideAreReported() {
        Events events = run(ScopedCase.class);

        events.assertStatistics(s -> s.failed(1).succeeded(1));
        events.assertThatEvents().haveExactly(1, event(test("leakInScope"), finishedWithFailure(
                instanceOf(AdvisoryLockLeakError.class), message(m -> m.contains("application 'scoped-app'")))));
    }

    @Test
    void theDataSourceCanComeFromATestMethodParameter() {
        Events events = run(ParameterCase.class);

        events.assertStatistics(s -> s.failed(1).succeeded(0));
        events.assertThatEvents().haveExactly(1, event(test("leaksThroughParameter"),
                finishedWithFailure(instanceOf(AdvisoryLockLeakError.class))));
    }

    @Test
    void theDataSourceCanComeFromAJdbcUrlSystemProperty() {
        System.setProperty("leakcheck.url", SERVER.jdbcUrl());
        System.setProperty("leakcheck.url.user", PostgresServer.SUPERUSER);
        System.setProperty("leakcheck.url.password", SERVER.password());
        try {
            Events events = run(UrlPropertyCase.class);

            events.assertStatistics(s -> s.failed(1).succeeded(0));
            events.assertThatEvents().haveExactly(1, event(test("leaksWithUrlProperty"),
                    finishedWithFailure(instanceOf(AdvisoryLockLeakError.class))));
        } finally {
            System.clearProperty("leakcheck.url");
            System.clearProperty("leakcheck.url.user");
            System.clearProperty("leakcheck.url.password");
        }
    }

    @Test
    void withoutAnyDataSourceTheTestFailsWithAConfigurationErrorNamingTheOptions() {
        Events events = runAll(NoDataSourceCase.class).allEvents();

        events.assertStatistics(s -> s.failed(1));
        events.assertThatEvents().haveExactly(1, event(finishedWithFailure(
                message(m -> m.contains("@LockCheckDataSource") && m.contains("lockwarden.testkit.url")))));
    }

    @Test
    void aLeakIsAddedToAFailingTestsOwnFailureInsteadOfHidingIt() {
        Events events = run(FailingAndLeakingCase.class);

        events.assertStatistics(s -> s.failed(1));
        events.assertThatEvents().haveExactly(1, event(finishedWithFailure(
                message("the test's own failure"),
                new org.assertj.core.api.Condition<>(t -> t.getSuppressed().length == 1
                        && t.getSuppressed()[0] instanceof AdvisoryLockLeakError, "a suppressed leak"))));
    }

    // ---- the cases run through EngineTestKit (skipped when surefire finds them directly) ----

    @EnabledIf("io.lockwarden.testkit.NoAdvisoryLockLeaksTest#insideEngineTestKit")
    @NoAdvisoryLockLeaks(namespaces = "billing", settleMillis = 200)
    static class LeakingCase {
        @LockCheckDataSource
        static DataSource checkWith = SERVER.dataSource();

        @Test
        void leaksALock() throws SQLException {
            leakSessionLock("leaky-worker", LockKey.named("billing", "invoice-42"));
        }
    }

    @EnabledIf("io.lockwarden.testkit.NoAdvisoryLockLeaksTest#insideEngineTestKit")
    @NoAdvisoryLockLeaks(settleMillis = 200)
    @TestMethodOrder(MethodOrderer.MethodName.class)
    static class CleanCase {
        @LockCheckDataSource
        PostgresServer server = SERVER;

        @Test
        void releasesASessionLock() throws SQLException {
            try (Connection c = SERVER.connect(); Statement st = c.createStatement()) {
                st.execute("SELECT pg_advisory_lock(7)");
                assertThat(heldByMe(st)).isEqualTo(1);
                st.execute("SELECT pg_advisory_unlock(7)");
            }
        }

        @Test
        void transactionLockEndsWithCommit() throws SQLException {
            try (Connection c = SERVER.connect(); Statement st = c.createStatement()) {
                c.setAutoCommit(false);
                st.execute("SELECT pg_advisory_xact_lock(8)");
                assertThat(heldByMe(st)).isEqualTo(1);
                c.commit();
                // the connection stays open: only the transaction scope released the lock
                LEFT_OPEN.add(SERVER.connect());
            }
        }

        private static int heldByMe(Statement st) throws SQLException {
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                    + "AND pid = pg_backend_pid() AND granted")) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    @EnabledIf("io.lockwarden.testkit.NoAdvisoryLockLeaksTest#insideEngineTestKit")
    @NoAdvisoryLockLeaks(check = NoAdvisoryLockLeaks.Check.EACH_CLASS, settleMillis = 200)
    @TestMethodOrder(MethodOrderer.MethodName.class)
    static class ClassLevelCase {
        @LockCheckDataSource
        static DataSource checkWith = SERVER.dataSource();

        @Test
        void aLeaks() throws SQLException {
            leakSessionLock("class-level", LockKey.of(1001));
        }

        @Test
        void bIsCleanItself() {
        }
    }

    @EnabledIf("io.lockwarden.testkit.NoAdvisoryLockLeaksTest#insideEngineTestKit")
    @NoAdvisoryLockLeaks(applicationName = "scoped-*", settleMillis = 200)
    @TestMethodOrder(MethodOrderer.MethodName.class)
    static class ScopedCase {
        @LockCheckDataSource
        static DataSource checkWith = SERVER.dataSource();

        @Test
        void leakInScope() throws SQLException {
            leakSessionLock("scoped-app", LockKey.of(2001));
        }

        @Test
        void leakOutOfScope() throws SQLException {
            for (Connection c : LEFT_OPEN) {
                c.close();
            }
            LEFT_OPEN.clear();
            leakSessionLock("someone-else", LockKey.of(2002));
        }
    }

    /** Supplies a DataSource parameter, as a user's own resolver would. */
    static final class ServerDataSourceResolver implements ParameterResolver {
        @Override
        public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
            return p.getParameter().getType() == DataSource.class;
        }

        @Override
        public Object resolveParameter(ParameterContext p, ExtensionContext e) {
            return SERVER.dataSource();
        }
    }

    @EnabledIf("io.lockwarden.testkit.NoAdvisoryLockLeaksTest#insideEngineTestKit")
    @NoAdvisoryLockLeaks(settleMillis = 200)
    @ExtendWith(ServerDataSourceResolver.class)
    static class ParameterCase {
        @Test
        void leaksThroughParameter(DataSource ds) throws SQLException {
            Connection c = ds.getConnection();
            LEFT_OPEN.add(c);
            try (Statement st = c.createStatement()) {
                st.execute("SELECT pg_advisory_lock(3001)");
            }
        }
    }

    @EnabledIf("io.lockwarden.testkit.NoAdvisoryLockLeaksTest#insideEngineTestKit")
    @NoAdvisoryLockLeaks(urlProperty = "leakcheck.url", settleMillis = 200)
    static class UrlPropertyCase {
        @Test
        void leaksWithUrlProperty() throws SQLException {
            leakSessionLock("url-case", LockKey.of(4001));
        }
    }

    @EnabledIf("io.lockwarden.testkit.NoAdvisoryLockLeaksTest#insideEngineTestKit")
    @NoAdvisoryLockLeaks(urlProperty = "no.such.property")
    static class NoDataSourceCase {
        @Test
        void hasNothingToCheckWith() {
        }
    }

    @EnabledIf("io.lockwarden.testkit.NoAdvisoryLockLeaksTest#insideEngineTestKit")
    @NoAdvisoryLockLeaks(settleMillis = 200)
    static class FailingAndLeakingCase {
        @LockCheckDataSource
        static DataSource checkWith = SERVER.dataSource();

        @Test
        void failsAndLeaks() throws SQLException {
            leakSessionLock("fail-and-leak", LockKey.of(5001));
            throw new AssertionError("the test's own failure");
        }
    }
}
