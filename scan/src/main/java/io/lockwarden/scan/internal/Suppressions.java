package io.lockwarden.scan.internal;

import io.lockwarden.scan.Rule;

/**
 * Inline suppressions: {@code lockwarden:ignore RULE[,RULE...] reason} in a comment on the finding's line
 * or on the line above. RULE is an id ({@code LW101}) or a slug; {@code all} matches every rule. A
 * suppression without a reason is not applied. Stateless and thread safe.
 */
public final class Suppressions {
    /** The marker text. */
    public static final String MARKER = "lockwarden:ignore";

    /** What a line says. @param rules the rule list as written @param reason the reason, may be empty */
    public record Directive(String rules, String reason, int column) {
        /** True when this directive names {@code rule}. */
        public boolean covers(Rule rule) {
            for (String r : rules.split(",")) {
                String t = r.strip();
                if (t.equalsIgnoreCase("all") || t.equalsIgnoreCase(rule.id()) || t.equalsIgnoreCase(rule.slug())) {
                    return true;
                }
            }
            return false;
        }
    }

    private Suppressions() {
    }

    /** The directive on a line, or null. */
    public static Directive on(String line) {
        int i = line.indexOf(MARKER);
        if (i < 0) {
            return null;
        }
        String rest = line.substring(i + MARKER.length()).strip();
        // drop comment closers that may follow: */, -->, etc.
        rest = rest.replaceAll("\\s*(\\*/|-->|\"\"\"|''')\\s*$", "").strip();
        String[] parts = rest.split("\\s+", 2);
        String rules = parts.length > 0 ? parts[0] : "";
        String reason = parts.length > 1 ? parts[1].strip() : "";
        return new Directive(rules, reason, i + 1);
    }
}
