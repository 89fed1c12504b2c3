package io.lockwarden.inspect.rules;

import io.lockwarden.inspect.Finding;
import java.util.List;

/**
 * {@code lock-timeout-disabled} (INFO): the server-wide {@code lock_timeout} is 0, so lock waits never time out.
 */
public final class LockTimeoutDisabledRule implements Rule {
    /** The stable id. */
    public static final String ID = "lock-timeout-disabled";

    /** {@inheritDoc} */
    @Override
    public String id() {
        return ID;
    }

    /** {@inheritDoc} */
    @Override
    public List<Finding> evaluate(RuleContext ctx) {
        return SettingCheck.infoWhen(ctx, ID, "lock_timeout", "0",
                "lock_timeout = 0 (server default): a session waiting for a lock waits forever, so one stuck holder piles up every waiter behind it.",
                "Set a bound where locks are taken: SET lock_timeout = '5s' per session or role ("
                        + SettingCheck.alterRole(ctx, "lock_timeout = '5s'") + "), or SET LOCAL in the locking transaction.");
    }
}
