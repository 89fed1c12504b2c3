package io.lockwarden.inspect.rules;

import io.lockwarden.LockKey;
import io.lockwarden.inspect.AdvisoryLockRow;
import io.lockwarden.inspect.Finding;
import io.lockwarden.inspect.PreparedTransaction;
import io.lockwarden.inspect.SessionInfo;
import io.lockwarden.inspect.Severity;
import io.lockwarden.inspect.TerminationVerdict;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code waiters-blocked}: sessions waiting for advisory locks, one finding per root blocker (chains such
 * as A waits on B waits on C are followed to C). INFO while the longest wait is below the idle
 * threshold, WARNING after; ERROR when the root blocker is idle or idle in transaction (it will not
 * finish by itself). Waiters behind a prepared transaction (pid 0) are left to
 * {@link PreparedTransactionHoldsLocksRule}.
 */
public final class BlockedWaitersRule implements Rule {
    /** The stable id. */
    public static final String ID = "waiters-blocked";

    /** {@inheritDoc} */
    @Override
    public String id() {
        return ID;
    }

    /** {@inheritDoc} */
    @Override
    public List<Finding> evaluate(RuleContext ctx) {
        List<Finding> out = new ArrayList<>();
        for (Map.Entry<Integer, Set<Integer>> group : ctx.waitersByRootBlocker().entrySet()) {
            int root = group.getKey();
            if (root == PreparedTransaction.PID) {
                continue; // a prepared transaction: prepared-transaction-holds-locks names it and its waiters
            }
            Set<Integer> waiters = new LinkedHashSet<>();
            ctx.allWaitersBehind(root).stream().filter(group.getValue()::contains).forEach(waiters::add);
            waiters.addAll(group.getValue());
            SessionInfo rootSession = ctx.session(root).orElse(null);
            Duration longest = Duration.ZERO;
            List<LockKey> keys = new ArrayList<>();
            List<AdvisoryLockRow> awaited = new ArrayList<>();
            for (int w : waiters) {
                Duration d = ctx.session(w).map(s -> since(s.queryStart() != null ? s.queryStart() : s.stateChange(),
                        ctx.now())).orElse(Duration.ZERO);
                longest = d.compareTo(longest) > 0 ? d : longest;
                ctx.awaited(w).forEach(l -> {
                    awaited.add(l);
                    if (!keys.contains(l.key())) {
                        keys.add(l.key());
                    }
                });
            }
            boolean rootStuck = rootSession != null && (rootSession.idle() || rootSession.idleInTransaction());
            Severity severity = rootStuck ? Severity.ERROR
                    : longest.compareTo(ctx.options().idleThreshold()) >= 0 ? Severity.WARNING : Severity.INFO;
            List<Integer> pids = new ArrayList<>();
            pids.add(root);
            pids.addAll(waiters);
            String rootDesc = rootSession == null ? "session " + root
                    : Evidence.who(rootSession) + " (" + (rootSession.state() == null ? "state hidden"
                    : rootSession.state() + rootSession.inStateFor(ctx.now()).map(d -> " for " + Evidence.duration(d))
                    .orElse("")) + ")";
            String message = waiters.size() + " session(s) (" + Evidence.pids(waiters) + ") wait for advisory lock(s) "
                    + Evidence.labels(awaited) + ", the longest for " + Evidence.duration(longest)
                    + "; at the root of the chain is " + rootDesc + ", which is not waiting itself"
                    + (ctx.heldKeys(root).isEmpty() ? "." : " and holds " + ctx.held(root).size() + " advisory lock(s).");
            TerminationVerdict v = ctx.verdict(root);
            String fix = v.safe()
                    ? "End the root blocker: " + Evidence.release(root) + "; the waiters then proceed."
                    : "The root blocker " + v.risk() + ": find out what it does before ending it (lockwarden release --pid "
                    + root + " --force). Make waiters give up instead of queueing forever: "
                    + "SET lock_timeout = '5s' or use pg_try_advisory_lock.";
            Map<String, Object> evidence = new LinkedHashMap<>();
            evidence.put("root_blocker", root);
            evidence.put("waiter_count", waiters.size());
            evidence.put("longest_wait_seconds", longest.toSeconds());
            out.add(new Finding(ID, severity, pids, Evidence.capped(keys), message, fix, List.of(v), evidence));
        }
        return out;
    }

    private static Duration since(Instant t, Instant now) {
        if (t == null) {
            return Duration.ZERO;
        }
        Duration d = Duration.between(t, now);
        return d.isNegative() ? Duration.ZERO : d;
    }
}
