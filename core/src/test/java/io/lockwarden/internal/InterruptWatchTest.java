package io.lockwarden.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockwarden.LockInterruptedException;
import io.lockwarden.LockKey;
import io.lockwarden.LockMode;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The shared interrupt tick: it stops when no lock statement runs, and a wait that starts after it
 * stopped is still cancelled on the server when its thread is interrupted.
 */
class InterruptWatchTest {
    private static final PostgresServer SERVER = PostgresServer.shared();
    private static final LockKey KEY = LockKey.named("watch-test", "restart");

    @Test
    void theTickStopsWhenIdleAndRestartsForTheNextWaitWhichAnInterruptStillCancelsOnTheServer() throws Exception {
        try (Connection holder = SERVER.connect(); Connection waiting = SERVER.connect();
             Connection observer = SERVER.connect()) {
            try (Statement st = holder.createStatement()) {
                st.execute("SELECT pg_advisory_lock(" + KEY.key1() + ", " + KEY.key2() + ")");
            }
            waiting.setAutoCommit(false);
            await("the tick stops with no lock statement running", () -> !InterruptWatch.ticking());

            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread waiter = new Thread(() -> {
                try {
                    LockStatements.lock(waiting, List.of(KEY), LockMode.EXCLUSIVE, true, Duration.ofSeconds(60));
                } catch (Throwable t) {
                    thrown.set(t);
                }
            }, "watch-test-waiter");
            waiter.start();
            await("the waiter is queued in pg_locks", () -> waiters(observer) == 1);
            assertThat(InterruptWatch.ticking()).as("a running lock statement restarted the tick").isTrue();
            waiter.interrupt();
            waiter.join(30_000);

            assertThat(waiter.isAlive()).isFalse();
            assertThat(thrown.get()).isInstanceOf(LockInterruptedException.class).hasMessageContaining("watch-test/restart");
            assertThat(waiters(observer)).as("the wait was cancelled on the server").isZero();
            waiting.rollback();
            await("the tick stops again once the statement ended", () -> !InterruptWatch.ticking());
        }
    }

    private static int waiters(Connection c) {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                + "AND NOT granted AND classid = ?::bigint::oid AND objid = ?::bigint::oid AND objsubid = 2")) {
            ps.setLong(1, KEY.classid());
            ps.setLong(2, KEY.objid());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("within 60 s: " + what).isLessThan(deadline);
            Thread.sleep(10);
        }
    }
}
