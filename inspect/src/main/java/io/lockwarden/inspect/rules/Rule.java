package io.lockwarden.inspect.rules;

import io.lockwarden.inspect.Finding;
import java.util.List;

/**
 * One check that turns a {@link io.lockwarden.inspect.Snapshot} into {@link Finding}s. Each rule is one
 * class in this package with a stable {@link #id()}; {@link Rules#defaults()} lists them all.
 *
 * <p>Implementations must be stateless and thread-safe: one instance serves concurrent evaluations.
 */
public interface Rule {

    /** The stable id that every finding of this rule carries, e.g. {@code idle-session-holds-locks}. */
    String id();

    /**
     * Checks one snapshot.
     *
     * @param context the snapshot with precomputed indexes and the thresholds in force
     * @return the findings, empty when the rule has nothing to say; never null
     */
    List<Finding> evaluate(RuleContext context);
}
