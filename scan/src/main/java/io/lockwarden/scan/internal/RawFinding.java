package io.lockwarden.scan.internal;

import io.lockwarden.scan.Rule;

/**
 * A finding before suppression and fingerprinting.
 *
 * @param rule    the rule
 * @param line    1-based line
 * @param column  1-based column
 * @param message the specific message
 */
public record RawFinding(Rule rule, int line, int column, String message) {
}
