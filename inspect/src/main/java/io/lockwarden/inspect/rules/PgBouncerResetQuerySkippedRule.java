package io.lockwarden.inspect.rules;

import io.lockwarden.inspect.Finding;
import io.lockwarden.inspect.PgBouncerView;
import io.lockwarden.inspect.Severity;
import java.util.List;
import java.util.Map;

/**
 * {@code pgbouncer-reset-query-skipped} (WARNING): PgBouncer has a {@code server_reset_query} (such as
 * {@code DISCARD ALL}, which unlocks all advisory locks) but runs it only in session pooling, because
 * {@code server_reset_query_always} is off while some pool uses transaction or statement pooling.
 */
public final class PgBouncerResetQuerySkippedRule implements Rule {
    /** The stable id. */
    public static final String ID = "pgbouncer-reset-query-skipped";

    /** {@inheritDoc} */
    @Override
    public String id() {
        return ID;
    }

    /** {@inheritDoc} */
    @Override
    public List<Finding> evaluate(RuleContext ctx) {
        PgBouncerView view = ctx.snapshot().pgBouncer().orElse(null);
        if (view == null) {
            return List.of();
        }
        String reset = view.configValue("server_reset_query").orElse("");
        String always = view.configValue("server_reset_query_always").orElse("0");
        boolean sharing = view.anyPoolSharesConnections()
                || view.configValue("pool_mode").map(m -> !m.equals("session")).orElse(false);
        if (reset.isBlank() || !always.equals("0") || !sharing) {
            return List.of();
        }
        String message = "PgBouncer's server_reset_query is '" + reset + "', but server_reset_query_always = 0, so it "
                + "runs only in session pooling; this PgBouncer uses transaction/statement pooling, where it never runs. "
                + "A session-level advisory lock left on a server connection is never released and moves to the next client.";
        String fix = "In pgbouncer.ini set server_reset_query_always = 1 (with server_reset_query = DISCARD ALL) and "
                + "RELOAD; better, use only transaction-level locks (pg_advisory_xact_lock) through transaction pooling.";
        return List.of(new Finding(ID, Severity.WARNING, List.of(), List.of(), message, fix, List.of(),
                Map.of("server_reset_query", reset, "server_reset_query_always", always)));
    }
}
