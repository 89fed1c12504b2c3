package io.lockwarden.inspect.rules;

import io.lockwarden.inspect.Finding;
import io.lockwarden.inspect.SessionInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code idle-in-transaction-holds-locks}: a session sitting {@code idle in transaction} while holding
 * advisory locks (transaction- or session-level: {@code pg_locks} cannot tell). INFO below the idle
 * threshold, WARNING after, ERROR when sessions wait behind it. The verdict says whether ending it
 * would roll back uncommitted writes ({@code backend_xid}).
 */
public final class IdleInTransactionHoldsLocksRule implements Rule {
    /** The stable id. */
    public static final String ID = "idle-in-transaction-holds-locks";

    /** {@inheritDoc} */
    @Override
    public String id() {
        return ID;
    }

    /** {@inheritDoc} */
    @Override
    public List<Finding> evaluate(RuleContext ctx) {
        List<Finding> out = new ArrayList<>();
        for (IdleLockHolder h : IdleLockHolder.find(ctx, SessionInfo::idleInTransaction)) {
            SessionInfo s = h.session();
            Duration xact = s.transactionAge(ctx.now()).orElse(h.idle());
            String writes = s.hasUncommittedWrites()
                    ? "It has uncommitted writes (backend_xid " + s.backendXid() + "): terminating it rolls them back."
                    : "It has written nothing (no backend_xid): terminating it loses no data.";
            String message = Evidence.who(s) + " is idle in a transaction open for " + Evidence.duration(xact)
                    + " (idle for " + Evidence.duration(h.idle()) + ") while holding " + h.locksHeld()
                    + ". The application opened a transaction and stopped talking to the server. " + writes
                    + (h.waiters().isEmpty() ? "" : " " + h.waiters().size() + " session(s) wait behind it ("
                    + Evidence.pids(h.waiters()) + ").");
            String fix = (s.hasUncommittedWrites()
                    ? "Find the application instance (client " + (s.clientAddr() == null ? "local" : s.clientAddr())
                    + ") and let it commit or roll back; only if it is gone: lockwarden release --pid " + h.pid()
                    + " --force. "
                    : "End the session: " + Evidence.release(h.pid()) + ". ")
                    + "Prevent it: SET idle_in_transaction_session_timeout = '5min' (role or database level).";
            Map<String, Object> evidence = new LinkedHashMap<>();
            evidence.put("idle_seconds", h.idle().toSeconds());
            evidence.put("transaction_seconds", xact.toSeconds());
            evidence.put("uncommitted_writes", s.hasUncommittedWrites());
            evidence.put("lock_count", h.held().size());
            evidence.put("waiter_count", h.waiters().size());
            out.add(h.finding(ctx, ID, message, fix, evidence));
        }
        return out;
    }
}
