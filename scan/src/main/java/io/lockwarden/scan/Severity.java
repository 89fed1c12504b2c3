package io.lockwarden.scan;

/**
 * How serious a finding is. Ordered from least to most severe, so {@code compareTo} can be used as a
 * threshold ({@code --fail-on}). Immutable and thread safe.
 */
public enum Severity {
    /** Worth knowing, never fails a build. */
    NOTE("note"),
    /** Likely to cause a stuck or ineffective lock under some conditions. */
    WARNING("warning"),
    /** Leaks or breaks mutual exclusion as written. */
    ERROR("error");

    private final String label;

    Severity(String label) {
        this.label = label;
    }

    /** The lower-case label used in text, JSON and SARIF ({@code note}, {@code warning}, {@code error}). */
    public String label() {
        return label;
    }

    /**
     * Parses a label as accepted by {@code --fail-on}.
     *
     * @throws IllegalArgumentException naming the accepted values when {@code text} is none of them
     */
    public static Severity parse(String text) {
        for (Severity s : values()) {
            if (s.label.equalsIgnoreCase(text == null ? "" : text.trim())) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown severity '" + text + "': use note, warning or error");
    }
}
