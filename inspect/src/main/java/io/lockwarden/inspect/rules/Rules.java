package io.lockwarden.inspect.rules;

import java.util.List;

/** The catalogue of built-in rules. */
public final class Rules {
    private Rules() {
    }

    /** Every built-in rule, one instance each. The list is immutable; rules are stateless and thread-safe. */
    public static List<Rule> defaults() {
        return List.of(new IdleSessionHoldsLocksRule(), new IdleInTransactionHoldsLocksRule(),
                new BlockedWaitersRule(), new PgBouncerSharedConnectionLockRule(),
                new PreparedTransactionHoldsLocksRule(),
                new PgBouncerResetQuerySkippedRule(), new BackendHoldsManyLocksRule(), new LockTableFillingRule(),
                new LockTimeoutDisabledRule(), new IdleInTransactionTimeoutDisabledRule(),
                new LockWaitsNotLoggedRule(), new LimitedVisibilityRule());
    }
}
