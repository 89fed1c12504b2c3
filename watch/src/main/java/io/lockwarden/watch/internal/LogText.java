package io.lockwarden.watch.internal;

/**
 * Text that came from the database (summaries with role and application names, fix commands) made safe for a
 * log line: control characters (a newline would forge a line, an escape sequence would drive the reader's
 * terminal) are written as {@code \xNN}. Stateless.
 */
final class LogText {
    private LogText() {
    }

    /** The text with every C0/C1 control character and DEL escaped; null as {@code -}. */
    static String of(String s) {
        if (s == null) {
            return "-";
        }
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> {
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
                b.append(String.format("\\x%02x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return b.toString();
    }
}
