package io.lockwarden.inspect;

/**
 * Makes text that came from the database (role, database and application names, query texts, client addresses,
 * prepared transaction ids) safe to put on a terminal, in a log line or in a page: every control character is
 * replaced by a visible escape, so that an ANSI sequence cannot move the cursor, recolour or retitle the
 * operator's terminal and a newline cannot forge an extra log line.
 *
 * <p>Escaped: C0 controls ({@code \n}, {@code \r}, {@code \t} as such, the others and ESC as {@code \x1b}),
 * DEL ({@code \x7f}), C1 controls ({@code \u009b} ...), and the Unicode line/paragraph separators and
 * bidirectional overrides and isolates ({@code \u2028}, {@code \u202e}, ...) that reorder or break what a person
 * reads. Everything else, including backslashes and non-ASCII letters, is kept as it is. HTML still needs its own
 * escaping on top of this. Stateless; thread-safe.
 */
public final class ControlCharacters {
    private ControlCharacters() {
    }

    /**
     * The text with every control character replaced by a visible escape; {@code null} stays {@code null}.
     * Never fails.
     */
    public static String escape(String text) {
        if (text == null) {
            return null;
        }
        int i = 0;
        int n = text.length();
        while (i < n && !isControl(text.charAt(i))) {
            i++;
        }
        if (i == n) {
            return text;
        }
        StringBuilder b = new StringBuilder(n + 8).append(text, 0, i);
        for (; i < n; i++) {
            char c = text.charAt(i);
            if (!isControl(c)) {
                b.append(c);
            } else if (c == '\n') {
                b.append("\\n");
            } else if (c == '\r') {
                b.append("\\r");
            } else if (c == '\t') {
                b.append("\\t");
            } else if (c < 0x100) {
                b.append("\\x").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xf, 16));
            } else {
                b.append(String.format("\\u%04x", (int) c));
            }
        }
        return b.toString();
    }

    /** True when the text contains a character {@link #escape(String)} would replace. */
    public static boolean contains(String text) {
        return text != null && text.chars().anyMatch(c -> isControl((char) c));
    }

    private static boolean isControl(char c) {
        return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) || c == '\u2028' || c == '\u2029'
                || (c >= '\u202a' && c <= '\u202e') || (c >= '\u2066' && c <= '\u2069') || c == '\u200e'
                || c == '\u200f' || c == '\u061c';
    }
}
