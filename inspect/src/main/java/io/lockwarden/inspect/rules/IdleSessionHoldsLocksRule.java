package io.lockwarden.inspect.rules;

import io.lockwarden.inspect.Finding;
import io.lockwarden.inspect.SessionInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code idle-session-holds-locks}: a session that is {@code idle} (no transaction) and holds advisory
 * locks. Such locks are session-level by definition and stay until unlocked or the session ends: a leak
 * unless it is a deliberate long-held lock. INFO while idle for less than the idle threshold,
 * WARNING after, ERROR when any session waits behind it.
 */
public final class IdleSessionHoldsLocksRule implements Rule {
    /** The stable id. */
    public static final String ID = "idle-session-holds-locks";

    /** {@inheritDoc} */
    @Override
    public String id() {
        return ID;
    }

    /** {@inheritDoc} */
    @Override
    public List<Finding> evaluate(RuleContext ctx) {
        List<Finding> out = new ArrayList<>();
        for (IdleLockHolder h : IdleLockHolder.find(ctx, SessionInfo::idle)) {
            String message = Evidence.who(h.session()) + " has been idle for " + Evidence.duration(h.idle())
                    + " while holding " + h.locksHeld() + ". An idle session has no transaction, so these are "
                    + "session-level locks that stay until pg_advisory_unlock or the session ends: most likely leaked "
                    + "by a code path that skipped the unlock"
                    + (h.waiters().isEmpty() ? "." : "; " + h.waiters().size() + " session(s) wait behind it ("
                    + Evidence.pids(h.waiters()) + ").");
            String fix = "End the session: " + Evidence.release(h.pid()) + ". Then fix the code: unlock in finally, "
                    + "or use transaction-level locks (pg_advisory_xact_lock) that end with the transaction.";
            Map<String, Object> evidence = new LinkedHashMap<>();
            evidence.put("idle_seconds", h.idle().toSeconds());
            evidence.put("lock_count", h.held().size());
            evidence.put("waiter_count", h.waiters().size());
            out.add(h.finding(ctx, ID, message, fix, evidence));
        }
        return out;
    }
}
