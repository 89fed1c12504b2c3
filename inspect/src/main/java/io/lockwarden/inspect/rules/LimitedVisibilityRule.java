package io.lockwarden.inspect.rules;

import io.lockwarden.inspect.Finding;
import io.lockwarden.inspect.SessionInfo;
import io.lockwarden.inspect.Severity;
import java.util.List;
import java.util.Map;

/**
 * {@code limited-visibility}: the reading role is neither superuser nor a member of
 * {@code pg_read_all_stats} (e.g. via {@code pg_monitor}), so PostgreSQL hides the state, query and
 * transaction of other roles' sessions. WARNING when such hidden sessions hold or wait for advisory
 * locks (the other findings about them are then incomplete); INFO otherwise.
 */
public final class LimitedVisibilityRule implements Rule {
    /** The stable id. */
    public static final String ID = "limited-visibility";

    /** {@inheritDoc} */
    @Override
    public String id() {
        return ID;
    }

    /** {@inheritDoc} */
    @Override
    public List<Finding> evaluate(RuleContext ctx) {
        var visibility = ctx.snapshot().visibility();
        if (visibility.seesAllSessions()) {
            return List.of();
        }
        List<Integer> hidden = ctx.snapshot().sessions().stream().filter(s -> !s.detailsVisible())
                .map(SessionInfo::pid).toList();
        String fix = "GRANT pg_monitor TO " + visibility.role() + "; (or pg_read_all_stats), then run again.";
        if (hidden.isEmpty()) {
            return List.of(new Finding(ID, Severity.INFO, List.of(), List.of(), "Role '" + visibility.role()
                    + "' cannot see other roles' sessions; none of them holds or waits for an advisory lock now, "
                    + "but a later run may be blind.", fix, List.of(), Map.of("hidden_sessions", 0)));
        }
        return List.of(new Finding(ID, Severity.WARNING, hidden, List.of(), hidden.size() + " session(s) holding or "
                + "waiting for advisory locks (" + Evidence.pids(hidden) + ") belong to other roles, and role '"
                + visibility.role() + "' may not see their state, query or transaction: whether they are idle, "
                + "leaked or safe to end is unknown, not assumed.", fix, List.of(),
                Map.of("hidden_sessions", hidden.size())));
    }
}
