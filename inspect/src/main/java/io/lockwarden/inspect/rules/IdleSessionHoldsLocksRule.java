package io.lockwarden.inspect.rules;

import io.lockwarden.inspect.AdvisoryLockRow;
import io.lockwarden.inspect.Finding;
import io.lockwarden.inspect.SessionInfo;
import io.lockwarden.inspect.Severity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
        for (int pid : ctx.pids()) {
            SessionInfo s = ctx.session(pid).orElse(null);
            List<AdvisoryLockRow> held = ctx.held(pid);
            if (s == null || !s.idle() || held.isEmpty()) {
                continue;
            }
            Duration idle = s.inStateFor(ctx.now()).orElse(Duration.ZERO);
            Set<Integer> waiters = ctx.allWaitersBehind(pid);
            Severity severity = !waiters.isEmpty() ? Severity.ERROR
                    : idle.compareTo(ctx.options().idleThreshold()) >= 0 ? Severity.WARNING : Severity.INFO;
            List<Integer> pids = new ArrayList<>();
            pids.add(pid);
            pids.addAll(waiters);
            String message = Evidence.who(s) + " has been idle for " + Evidence.duration(idle) + " while holding "
                    + held.size() + " advisory lock" + (held.size() == 1 ? "" : "s") + " (" + Evidence.labels(held)
                    + "). An idle session has no transaction, so these are session-level locks that stay until "
                    + "pg_advisory_unlock or the session ends: most likely leaked by a code path that skipped the unlock"
                    + (waiters.isEmpty() ? "." : "; " + waiters.size() + " session(s) wait behind it ("
                    + Evidence.pids(waiters) + ").");
            String fix = "End the session: lockwarden release --pid " + pid + " (or " + Evidence.terminateSql(List.of(pid))
                    + "). Then fix the code: unlock in finally, or use transaction-level locks (pg_advisory_xact_lock) "
                    + "that end with the transaction.";
            Map<String, Object> evidence = new LinkedHashMap<>();
            evidence.put("idle_seconds", idle.toSeconds());
            evidence.put("lock_count", held.size());
            evidence.put("waiter_count", waiters.size());
            out.add(new Finding(ID, severity, pids, Evidence.capped(ctx.heldKeys(pid)), message, fix,
                    List.of(ctx.verdict(pid)), evidence));
        }
        return out;
    }
}
