package io.lockwarden.inspect.rules;

import io.lockwarden.inspect.Finding;
import io.lockwarden.inspect.Severity;
import java.util.List;
import java.util.Map;

/**
 * {@code lock-table-filling}: the shared lock table ({@code max_locks_per_transaction *
 * (max_connections + max_prepared_transactions)} entries) is filling up. WARNING from
 * {@link RuleOptions#lockTableWarnFraction()}, ERROR from {@link RuleOptions#lockTableErrorFraction()}.
 * When it is full every new lock of any kind fails with "out of shared memory".
 */
public final class LockTableFillingRule implements Rule {
    /** The stable id. */
    public static final String ID = "lock-table-filling";

    /** {@inheritDoc} */
    @Override
    public String id() {
        return ID;
    }

    /** {@inheritDoc} */
    @Override
    public List<Finding> evaluate(RuleContext ctx) {
        long capacity = ctx.snapshot().settings().lockTableCapacity().orElse(0L);
        if (capacity <= 0) {
            return List.of();
        }
        long used = ctx.snapshot().lockTableEntries();
        double fraction = (double) used / capacity;
        if (fraction < ctx.options().lockTableWarnFraction()) {
            return List.of();
        }
        long advisory = ctx.snapshot().holders().size();
        Severity severity = fraction >= ctx.options().lockTableErrorFraction() ? Severity.ERROR : Severity.WARNING;
        String message = String.format("The shared lock table is %.0f%% full: %d of about %d entries "
                        + "(max_locks_per_transaction * (max_connections + max_prepared_transactions)), %d of them advisory "
                        + "locks. When it is full, every lock request on the server fails with 'out of shared memory'.",
                fraction * 100, used, capacity, advisory);
        String fix = "Release leaked advisory locks (see the other findings; lockwarden release --idle-holders-older-than 10m), "
                + "and if the load is legitimate raise max_locks_per_transaction (needs a restart).";
        return List.of(new Finding(ID, severity, List.of(), List.of(), message, fix, List.of(),
                Map.of("used", used, "capacity", capacity, "advisory", advisory)));
    }
}
