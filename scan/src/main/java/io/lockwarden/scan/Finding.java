package io.lockwarden.scan;

import java.util.Objects;

/**
 * One finding: a rule violated at a place in a file.
 *
 * @param rule        the rule
 * @param path        the file, relative to the scanner's base directory with {@code /} separators when it
 *                    lies under it, absolute otherwise
 * @param line        1-based line
 * @param column      1-based column
 * @param message     what is wrong here (specific to the occurrence)
 * @param fingerprint stable identity for baselines: rule, path, the trimmed text of the line and the
 *                    occurrence number of that text; it does not change when lines are inserted above
 */
public record Finding(Rule rule, String path, int line, int column, String message, String fingerprint) {

    /** Validates the components. @throws NullPointerException if rule, path or message is null */
    public Finding {
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(fingerprint, "fingerprint");
    }

    /** The severity of this finding (the rule's). */
    public Severity severity() {
        return rule.severity();
    }
}
