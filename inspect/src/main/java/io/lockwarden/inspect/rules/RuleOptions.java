package io.lockwarden.inspect.rules;

import java.time.Duration;
import java.util.Objects;

/**
 * Thresholds the rules use.
 *
 * @param idleThreshold            an idle or idle-in-transaction holder becomes a warning after this long
 * @param manyLocksPerBackend      a backend holding more advisory locks than this is reported; 0 means
 *                                 "more than {@code max_locks_per_transaction}" (its fair share of the lock table)
 * @param lockTableWarnFraction    lock table use (0..1) from which a warning is raised
 * @param lockTableErrorFraction   lock table use (0..1) from which an error is raised
 */
public record RuleOptions(Duration idleThreshold, int manyLocksPerBackend, double lockTableWarnFraction,
                          double lockTableErrorFraction) {

    /** Validates the thresholds. @throws IllegalArgumentException when one is negative */
    public RuleOptions {
        Objects.requireNonNull(idleThreshold, "idleThreshold");
        if (idleThreshold.isNegative() || manyLocksPerBackend < 0 || lockTableWarnFraction < 0
                || lockTableErrorFraction < lockTableWarnFraction) {
            throw new IllegalArgumentException("rule thresholds must be non-negative and the lock table error "
                    + "fraction at least the warning fraction");
        }
    }

    /** Idle threshold 60 s, many locks = above {@code max_locks_per_transaction}, lock table 50 % / 80 %. */
    public static RuleOptions defaults() {
        return new RuleOptions(Duration.ofSeconds(60), 0, 0.5, 0.8);
    }

    /** A copy with another idle threshold. */
    public RuleOptions withIdleThreshold(Duration threshold) {
        return new RuleOptions(threshold, manyLocksPerBackend, lockTableWarnFraction, lockTableErrorFraction);
    }
}
