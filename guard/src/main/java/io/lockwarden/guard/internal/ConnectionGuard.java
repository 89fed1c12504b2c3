package io.lockwarden.guard.internal;

import io.lockwarden.LockKey;
import io.lockwarden.UnsafeLockUsageException;
import io.lockwarden.guard.GuardMode;
import io.lockwarden.guard.LockGuard;
import io.lockwarden.guard.ReturnCheck;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stands in front of one connection: hands out guarded statements, keeps the connection's
 * {@link LockTracker}, and when the connection goes away (closed, or, for a physical connection under a pool,
 * reset by the pool's own {@code close()}) checks and releases what it still holds. Thread-safe as far as the
 * tracker goes; the connection itself is used as JDBC allows.
 */
public final class ConnectionGuard extends Forwarding {
    private static final Logger LOG = LoggerFactory.getLogger(LockGuard.class);

    private final Connection raw;
    private final GuardSettings settings;
    private final boolean physical;
    private final LockTracker tracker = new LockTracker();
    private Connection proxy;

    private ConnectionGuard(Connection raw, GuardSettings settings, boolean physical) {
        super(raw);
        this.raw = raw;
        this.settings = settings;
        this.physical = physical;
    }

    /**
     * Wraps a connection.
     *
     * @param raw      the connection to guard
     * @param settings the guard's settings
     * @param physical true for a driver's physical connection that a pool keeps open across borrows: it is
     *                 also checked when the pool resets it on return (the pool calls {@code clearWarnings()}
     *                 from inside its own {@code Connection.close()}); false when {@code close()} is the return
     */
    public static Connection wrap(Connection raw, GuardSettings settings, boolean physical) {
        ConnectionGuard g = new ConnectionGuard(raw, settings, physical);
        g.proxy = (Connection) Proxy.newProxyInstance(ConnectionGuard.class.getClassLoader(),
                new Class<?>[] {Connection.class}, g);
        return g.proxy;
    }

    Connection proxy() {
        return proxy;
    }

    LockTracker tracker() {
        return tracker;
    }

    @Override
    public Object invoke(Object self, Method method, Object[] args) throws Throwable {
        switch (method.getName()) {
            case "createStatement":
                return StatementGuard.wrap((Statement) forward(method, args), this, StatementPlan.NONE, Statement.class);
            case "prepareStatement":
                return StatementGuard.wrap((Statement) forward(method, args), this, SqlScanner.plan((String) args[0]),
                        PreparedStatement.class);
            case "prepareCall":
                return StatementGuard.wrap((Statement) forward(method, args), this, SqlScanner.plan((String) args[0]),
                        CallableStatement.class);
            case "close":
                close(physical ? "was closed" : "was returned to the pool");
                return null;
            case "clearWarnings":
                if (physical && (tracker.mayHoldLocks() || settings.check() == ReturnCheck.ALWAYS)
                        && CallSites.insidePoolClose()) {
                    List<LockRelease.Leak> leaks = LockRelease.atReturn(raw, tracker.drain(), settings,
                            "was returned to the pool");
                    if (!raw.isClosed()) { // a backend that died: the pool finds out on its next use, not in close()
                        forward(method, args);
                    }
                    failIfLeaked(leaks);
                    return null;
                }
                break;
            case "abort":
                tracker.drain();
                break;
            default:
                break;
        }
        return forwardOrAnswer(self, method, args);
    }

    private void close(String why) throws SQLException {
        List<LockRelease.Leak> leaks = raw.isClosed() ? List.of() : LockRelease.atReturn(raw, tracker.drain(), settings, why);
        raw.close();
        failIfLeaked(leaks);
    }

    private void failIfLeaked(List<LockRelease.Leak> leaks) {
        if (settings.mode() == GuardMode.FAIL_FAST && !leaks.isEmpty()) {
            throw new UnsafeLockUsageException(leaks.get(0).lock().key(), "connection returned with " + leaks.size()
                    + " session advisory lock(s) still held: " + LockRelease.describe(leaks) + "; Lockwarden released "
                    + "them (the WARN above shows where each was taken). Release each where it is taken, or use "
                    + "pg_advisory_xact_lock inside the transaction");
        }
    }

    /**
     * Called before a statement that mentions advisory locks runs: refuses (fail-fast) or warns once per call
     * site about a session-level lock taken while a transaction is open.
     */
    void beforeLocking(StatementPlan plan, Map<Integer, Object> params) throws SQLException {
        if (plan.takesSessionLock() && !raw.getAutoCommit()) {
            AdvisoryCall first = plan.calls().stream().filter(c -> c.function().takesSessionLock()).findFirst()
                    .orElseThrow();
            LockKey key = first.key(params);
            String where = CallSites.application();
            String message = "session-level " + first.function().sqlName() + "(" + (key == null ? "..." : key.label())
                    + ") taken inside an open transaction at " + where + ": it survives COMMIT and ROLLBACK, so "
                    + "when the code fails before its unlock the lock stays on the pooled connection. Use "
                    + first.function().sqlName().replace("advisory_", "advisory_xact_")
                    + " instead: the transaction releases it";
            if (settings.mode() == GuardMode.FAIL_FAST) {
                throw new UnsafeLockUsageException(key, message + " (refused: lockwarden.mode=fail-fast; nothing was locked)");
            }
            if (settings.warnedSites().add(where)) {
                LOG.warn("{} (Lockwarden {} it if the connection is returned still holding it; warned once per "
                        + "call site)", message, settings.mode() == GuardMode.REPORT ? "reports" : "releases");
            }
        }
    }

    /**
     * Where an advisory lock statement runs: captured only for statements that take or may take a lock (the
     * stack trace is filled in, not yet turned into frames, which is the expensive part).
     */
    static Throwable site() {
        return new Throwable("advisory lock statement run here, on thread '" + Thread.currentThread().getName() + "'");
    }

    private static Throwable orNew(Throwable site) {
        return site != null ? site : site();
    }

    /** Applies a statement that ran without error to the tracker; returns its pending try-locks. */
    Execution applied(StatementPlan plan, Map<Integer, Object> params, boolean resultsReadable) {
        Execution ex = new Execution();
        Throwable site = null; // made on first need: unlocks and transaction locks record no call site
        for (AdvisoryCall call : plan.calls()) {
            AdvisoryFunction f = call.function();
            if (f.kind() == AdvisoryFunction.Kind.XACT) {
                continue; // left to the transaction
            }
            if (f.kind() == AdvisoryFunction.Kind.UNLOCK_ALL && call.certain()) {
                tracker.unlockedAll();
                continue;
            }
            LockKey key = call.certain() ? call.key(params) : null;
            if (key == null) {
                tracker.unfollowed(site = orNew(site));
                continue;
            }
            LockTracker.Held lock = new LockTracker.Held(key, f.mode());
            switch (f.kind()) {
                case LOCK -> tracker.locked(lock, site = orNew(site));
                case UNLOCK -> tracker.unlocked(lock);
                case TRY_LOCK -> {
                    if (resultsReadable && (call.column() > 0 || call.outParam())) {
                        ex.add(call, tracker.tried(lock, site = orNew(site)));
                    } else {
                        tracker.unfollowed(site = orNew(site));
                    }
                }
                default -> {
                }
            }
        }
        if (plan.unfollowed()) {
            tracker.unfollowed(site = orNew(site));
        }
        return ex;
    }
}
