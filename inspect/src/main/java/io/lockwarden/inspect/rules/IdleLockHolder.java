package io.lockwarden.inspect.rules;

import io.lockwarden.LockKey;
import io.lockwarden.inspect.AdvisoryLockRow;
import io.lockwarden.inspect.Finding;
import io.lockwarden.inspect.SessionInfo;
import io.lockwarden.inspect.Severity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A session in one idle state ({@code idle}, {@code idle in transaction}) that holds advisory locks, with
 * what the idle rules judge it by: how long it has been idle and who waits behind it. Package-private.
 */
record IdleLockHolder(int pid, SessionInfo session, List<AdvisoryLockRow> held, List<LockKey> keys, Duration idle,
                      Set<Integer> waiters) {

    /** Every visible session in the given state that holds at least one advisory lock, in pid order. */
    static List<IdleLockHolder> find(RuleContext ctx, Predicate<SessionInfo> inState) {
        List<IdleLockHolder> out = new ArrayList<>();
        for (int pid : ctx.pids()) {
            SessionInfo s = ctx.session(pid).orElse(null);
            List<AdvisoryLockRow> held = ctx.held(pid);
            if (s == null || !inState.test(s) || held.isEmpty()) {
                continue;
            }
            Duration idle = s.inStateFor(ctx.now()).orElse(Duration.ZERO);
            out.add(new IdleLockHolder(pid, s, held, ctx.heldKeys(pid), idle, ctx.allWaitersBehind(pid)));
        }
        return out;
    }

    /** ERROR when anyone waits behind it, WARNING once idle for the threshold, INFO before. */
    Severity severity(RuleOptions options) {
        return !waiters.isEmpty() ? Severity.ERROR
                : idle.compareTo(options.idleThreshold()) >= 0 ? Severity.WARNING : Severity.INFO;
    }

    /** "3 advisory locks (a, b, c)". */
    String locksHeld() {
        return held.size() + " advisory lock" + (held.size() == 1 ? "" : "s") + " (" + Evidence.labels(held, keys) + ")";
    }

    /** The finding: the holder's pid first, then the waiters; its held keys; its termination verdict. */
    Finding finding(RuleContext ctx, String ruleId, String message, String fix, Map<String, Object> evidence) {
        List<Integer> pids = new ArrayList<>();
        pids.add(pid);
        pids.addAll(waiters);
        return new Finding(ruleId, severity(ctx.options()), pids, Evidence.capped(ctx.heldKeys(pid)), message, fix,
                List.of(ctx.verdict(pid)), evidence);
    }
}
