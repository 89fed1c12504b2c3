package io.lockwarden.inspect.rules;

import io.lockwarden.inspect.Finding;
import io.lockwarden.inspect.Severity;
import java.util.List;
import java.util.Map;

/**
 * {@code lock-waits-not-logged} (INFO): {@code log_lock_waits} is off, so long lock waits are not logged.
 */
public final class LockWaitsNotLoggedRule implements Rule {
    /** The stable id. */
    public static final String ID = "lock-waits-not-logged";

    /** {@inheritDoc} */
    @Override
    public String id() {
        return ID;
    }

    /** {@inheritDoc} */
    @Override
    public List<Finding> evaluate(RuleContext ctx) {
        String value = ctx.snapshot().settings().value("log_lock_waits").orElse(null);
        if (value == null || !(value.equals("off"))) {
            return List.of();
        }
        return List.of(new Finding(ID, Severity.INFO, List.of(), List.of(),
                "log_lock_waits = off: waits longer than deadlock_timeout leave no trace in the server log, so past incidents cannot be reconstructed.",
                "ALTER SYSTEM SET log_lock_waits = on; SELECT pg_reload_conf();", List.of(), Map.of("log_lock_waits", value)));
    }
}
