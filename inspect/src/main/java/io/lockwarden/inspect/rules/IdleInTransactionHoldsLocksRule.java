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
        for (int pid : ctx.pids()) {
            SessionInfo s = ctx.session(pid).orElse(null);
            List<AdvisoryLockRow> held = ctx.held(pid);
            if (s == null || !s.idleInTransaction() || held.isEmpty()) {
                continue;
            }
            Duration idle = s.inStateFor(ctx.now()).orElse(Duration.ZERO);
            Duration xact = s.transactionAge(ctx.now()).orElse(idle);
            Set<Integer> waiters = ctx.allWaitersBehind(pid);
            Severity severity = !waiters.isEmpty() ? Severity.ERROR
                    : idle.compareTo(ctx.options().idleThreshold()) >= 0 ? Severity.WARNING : Severity.INFO;
            List<Integer> pids = new ArrayList<>();
            pids.add(pid);
            pids.addAll(waiters);
            String writes = s.hasUncommittedWrites()
                    ? "It has uncommitted writes (backend_xid " + s.backendXid() + "): terminating it rolls them back."
                    : "It has written nothing (no backend_xid): terminating it loses no data.";
            String message = Evidence.who(s) + " is idle in a transaction open for " + Evidence.duration(xact)
                    + " (idle for " + Evidence.duration(idle) + ") while holding " + held.size() + " advisory lock"
                    + (held.size() == 1 ? "" : "s") + " (" + Evidence.labels(held) + "). The application opened a "
                    + "transaction and stopped talking to the server. " + writes
                    + (waiters.isEmpty() ? "" : " " + waiters.size() + " session(s) wait behind it ("
                    + Evidence.pids(waiters) + ").");
            String fix = (s.hasUncommittedWrites()
                    ? "Find the application instance (client " + (s.clientAddr() == null ? "local" : s.clientAddr())
                    + ") and let it commit or roll back; only if it is gone: lockwarden release --pid " + pid + " --force. "
                    : "End the session: lockwarden release --pid " + pid + " (or "
                    + Evidence.terminateSql(List.of(pid)) + "). ")
                    + "Prevent it: SET idle_in_transaction_session_timeout = '5min' (role or database level).";
            Map<String, Object> evidence = new LinkedHashMap<>();
            evidence.put("idle_seconds", idle.toSeconds());
            evidence.put("transaction_seconds", xact.toSeconds());
            evidence.put("uncommitted_writes", s.hasUncommittedWrites());
            evidence.put("lock_count", held.size());
            evidence.put("waiter_count", waiters.size());
            out.add(new Finding(ID, severity, pids, Evidence.capped(ctx.heldKeys(pid)), message, fix,
                    List.of(ctx.verdict(pid)), evidence));
        }
        return out;
    }
}
