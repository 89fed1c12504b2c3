package io.lockwarden.inspect.rules;

import io.lockwarden.inspect.Finding;
import java.util.List;

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
        return SettingCheck.infoWhen(ctx, ID, "log_lock_waits", "off",
                "log_lock_waits = off: waits longer than deadlock_timeout leave no trace in the server log, so past incidents cannot be reconstructed.",
                "ALTER SYSTEM SET log_lock_waits = on; SELECT pg_reload_conf();");
    }
}
