package io.lockwarden.spring;

import io.lockwarden.LockKey;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The test application's service: what a Spring service looks like, with probes recording what the
 * server said (pg_locks) at each moment of the call.
 */
public class InventoryService {
    /** A sku and a line, for SpEL property access. */
    public record OrderLine(String sku, int line) {
    }

    /** What a call saw: its transaction's pid and the lock's holders in the body, before commit and after completion. */
    public record Seen(int transactionPid, List<Integer> inBody, List<Integer> beforeCommit,
                       List<Integer> afterCompletion) {
    }

    private final JdbcTemplate jdbc;
    /** Every method body that ran, in order. */
    final List<String> ran = new CopyOnWriteArrayList<>();
    /** The last Seen of the session-scope method (filled after completion). */
    volatile Seen lastSeen;

    /** A service on the application's JdbcTemplate. */
    public InventoryService(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    static LockKey key(String sku) {
        return LockKey.named("inventory", sku);
    }

    /** Reserves; a negative quantity throws after the insert, so the transaction rolls back. */
    @Transactional
    @AdvisoryLock(namespace = "inventory", key = "#sku", waitFor = "10s")
    public Seen reserve(String sku, int quantity) {
        ran.add("reserve " + sku);
        Seen seen = new Seen(pid(), ServerLocks.holders(key(sku)), null, null);
        jdbc.update("INSERT INTO reservations (sku, quantity) VALUES (?, ?)", sku, quantity);
        if (quantity < 0) {
            throw new IllegalStateException("negative quantity for " + sku);
        }
        return seen;
    }

    /** A key built from a record's accessors. */
    @Transactional
    @AdvisoryLock(namespace = "inventory", key = "#order.sku + '/' + #order.line")
    public Seen reserveLine(OrderLine order) {
        ran.add("line " + order.sku());
        return new Seen(pid(), ServerLocks.holders(key(order.sku() + "/" + order.line())), null, null);
    }

    /** A key by position and the default namespace. */
    @Transactional
    @AdvisoryLock(key = "'p-' + #p0")
    public Seen byPosition(String id) {
        ran.add("position " + id);
        return new Seen(pid(), ServerLocks.holders(LockKey.named("orders", "p-" + id)), null, null);
    }

    /** Waits only briefly. */
    @Transactional
    @AdvisoryLock(namespace = "inventory", key = "#sku", waitFor = "300ms")
    public void reserveQuickly(String sku) {
        ran.add("quick " + sku);
    }

    /** Skips when busy. */
    @Transactional
    @AdvisoryLock(namespace = "inventory", key = "#sku", onBusy = AdvisoryLock.OnBusy.SKIP)
    public Optional<Seen> reserveIfFree(String sku) {
        ran.add("skip " + sku);
        return Optional.of(new Seen(pid(), ServerLocks.holders(key(sku)), null, null));
    }

    /** Fails when busy. */
    @Transactional
    @AdvisoryLock(namespace = "inventory", key = "#sku", onBusy = AdvisoryLock.OnBusy.FAIL)
    public boolean reserveOrFail(String sku) {
        ran.add("fail " + sku);
        return true;
    }

    /** Transaction scope with no transaction: refused. */
    @AdvisoryLock(namespace = "inventory", key = "#sku")
    public void withoutTransaction(String sku) {
        ran.add("no-tx " + sku);
    }

    /** Transaction scope that opens its own transaction. */
    @AdvisoryLock(namespace = "inventory", key = "#sku", beginTransaction = true)
    public Seen inItsOwnTransaction(String sku) {
        ran.add("own-tx " + sku);
        return new Seen(pid(), ServerLocks.holders(key(sku)), null, null);
    }

    /** Session scope around a transaction: records the holders before commit and after completion. */
    @Transactional
    @AdvisoryLock(namespace = "inventory", key = "#sku", scope = AdvisoryLock.Scope.SESSION)
    public void sessionAroundTransaction(String sku) {
        ran.add("session " + sku);
        int pid = pid();
        List<Integer> inBody = ServerLocks.holders(key(sku));
        List<List<Integer>> seen = new CopyOnWriteArrayList<>();
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void beforeCommit(boolean readOnly) {
                seen.add(ServerLocks.holders(key(sku)));
            }

            @Override
            public void afterCompletion(int status) {
                seen.add(ServerLocks.holders(key(sku)));
                lastSeen = new Seen(pid, inBody, seen.get(0), seen.get(seen.size() - 1));
            }
        });
    }

    /** Session scope, for the endpoint: returns what the endpoint lists while the lock is held. */
    @AdvisoryLock(namespace = "inventory", key = "#sku", scope = AdvisoryLock.Scope.SESSION)
    public <T> T whileHoldingSession(String sku, java.util.function.Supplier<T> inside) {
        ran.add("hold " + sku);
        return inside.get();
    }

    /** Every method body that ran, in order (a method: the service is proxied, its fields are not). */
    public List<String> ran() {
        return ran;
    }

    /** The last Seen of the session-scope method. */
    public Seen lastSeen() {
        return lastSeen;
    }

    private int pid() {
        Integer pid = jdbc.queryForObject("SELECT pg_backend_pid()", Integer.class);
        return pid == null ? 0 : pid;
    }
}
