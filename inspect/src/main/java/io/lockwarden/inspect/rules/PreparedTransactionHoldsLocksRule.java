package io.lockwarden.inspect.rules;

import io.lockwarden.LockKey;
import io.lockwarden.inspect.AdvisoryLockRow;
import io.lockwarden.inspect.Finding;
import io.lockwarden.inspect.PreparedTransaction;
import io.lockwarden.inspect.Severity;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code prepared-transaction-holds-locks}: a prepared transaction ({@code PREPARE TRANSACTION}) holds
 * advisory locks. They have no session, survive a restart, and no {@code pg_terminate_backend} ends them:
 * only {@code COMMIT PREPARED} / {@code ROLLBACK PREPARED} by whoever owns that transaction. ERROR when
 * sessions wait behind it, WARNING otherwise. The finding's pids are the waiters (the transaction has none).
 */
public final class PreparedTransactionHoldsLocksRule implements Rule {
    /** The stable id. */
    public static final String ID = "prepared-transaction-holds-locks";

    /** {@inheritDoc} */
    @Override
    public String id() {
        return ID;
    }

    /** {@inheritDoc} */
    @Override
    public List<Finding> evaluate(RuleContext ctx) {
        return ctx.snapshot().prepared().stream().filter(p -> !p.locks().isEmpty()).map(p -> finding(ctx, p)).toList();
    }

    private static Finding finding(RuleContext ctx, PreparedTransaction p) {
        List<LockKey> keys = p.locks().stream().map(AdvisoryLockRow::key).distinct().sorted().toList();
        Set<Integer> waiters = ctx.waitersBehindPrepared(p);
        String message = "Prepared transaction '" + p.gid() + "' (owner " + p.owner() + ", database " + p.database()
                + ", prepared " + Evidence.duration(p.age(ctx.now())) + " ago) holds " + p.locks().size()
                + " advisory lock(s) (" + Evidence.labels(p.locks()) + ") with no session: pg_terminate_backend cannot "
                + "end them and they survive a server restart"
                + (waiters.isEmpty() ? "." : "; " + waiters.size() + " session(s) wait behind it ("
                + Evidence.pids(waiters) + ").");
        String fix = "Whoever owns that transaction (its two-phase commit coordinator) must finish it, connected to "
                + "database " + p.database() + " as " + p.owner() + " or a superuser: " + p.commitSql() + "; or "
                + p.rollbackSql() + "; (lockwarden release --rollback-prepared " + p.gid()
                + " rolls it back, losing its writes).";
        Map<String, Object> evidence = new LinkedHashMap<>();
        evidence.put("gid", p.gid());
        evidence.put("owner", p.owner());
        evidence.put("database", p.database());
        evidence.put("prepared_seconds", p.age(ctx.now()).toSeconds());
        evidence.put("lock_count", p.locks().size());
        evidence.put("waiter_count", waiters.size());
        return new Finding(ID, waiters.isEmpty() ? Severity.WARNING : Severity.ERROR, List.copyOf(waiters),
                Evidence.capped(keys), message, fix, List.of(), evidence);
    }
}
