package io.lockwarden.inspect.rules;

import io.lockwarden.inspect.Finding;
import io.lockwarden.inspect.Severity;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code backend-holds-many-locks} (WARNING): one backend holds more advisory locks than the threshold
 * ({@link RuleOptions#manyLocksPerBackend()}, by default {@code max_locks_per_transaction}, its fair
 * share of the shared lock table). Usually a loop that locks without unlocking.
 */
public final class BackendHoldsManyLocksRule implements Rule {
    /** The stable id. */
    public static final String ID = "backend-holds-many-locks";

    /** {@inheritDoc} */
    @Override
    public String id() {
        return ID;
    }

    /** {@inheritDoc} */
    @Override
    public List<Finding> evaluate(RuleContext ctx) {
        long threshold = ctx.options().manyLocksPerBackend() > 0 ? ctx.options().manyLocksPerBackend()
                : ctx.snapshot().settings().number("max_locks_per_transaction").orElse(64L);
        List<Finding> out = new ArrayList<>();
        for (int pid : ctx.pids()) {
            int count = ctx.held(pid).size();
            if (count <= threshold) {
                continue;
            }
            String who = ctx.session(pid).map(Evidence::who).orElse("session " + pid);
            String message = who + " holds " + count + " advisory locks, more than " + threshold
                    + " (max_locks_per_transaction, its share of the shared lock table). Locks taken in a loop and "
                    + "never released fill the lock table, after which every lock on the server fails with "
                    + "'out of shared memory'.";
            String fix = "Release them (SELECT pg_advisory_unlock_all(); in that session, or lockwarden release --pid "
                    + pid + "), and fix the loop to unlock each key, or lock one coarser key instead of many.";
            out.add(new Finding(ID, Severity.WARNING, List.of(pid), Evidence.capped(ctx.heldKeys(pid)), message, fix,
                    List.of(ctx.verdict(pid)), Map.of("lock_count", count, "threshold", threshold)));
        }
        return out;
    }

}
