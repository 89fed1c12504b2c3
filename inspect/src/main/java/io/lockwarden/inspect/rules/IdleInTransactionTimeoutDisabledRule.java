package io.lockwarden.inspect.rules;

import io.lockwarden.inspect.Finding;
import java.util.List;

/**
 * {@code idle-in-transaction-timeout-disabled} (INFO): {@code idle_in_transaction_session_timeout} is 0, so abandoned transactions keep their locks forever.
 */
public final class IdleInTransactionTimeoutDisabledRule implements Rule {
    /** The stable id. */
    public static final String ID = "idle-in-transaction-timeout-disabled";

    /** {@inheritDoc} */
    @Override
    public String id() {
        return ID;
    }

    /** {@inheritDoc} */
    @Override
    public List<Finding> evaluate(RuleContext ctx) {
        return SettingCheck.infoWhen(ctx, ID, "idle_in_transaction_session_timeout", "0",
                "idle_in_transaction_session_timeout = 0: a client that opens a transaction and goes away keeps its locks until someone notices.",
                SettingCheck.alterRole(ctx, "idle_in_transaction_session_timeout = '5min'")
                        + " (or ALTER SYSTEM for the whole server, then SELECT pg_reload_conf()).");
    }
}
