package io.lockwarden.watch.internal;

import io.lockwarden.inspect.ControlCharacters;

/**
 * Text that came from the database (summaries with role and application names, fix commands) made safe for a
 * log line: control characters (a newline would forge a line, an escape sequence would drive the reader's
 * terminal) are written as {@code \xNN}. Stateless.
 */
final class LogText {
    private LogText() {
    }

    /** The text with every control character escaped ({@link ControlCharacters}); null as {@code -}. */
    static String of(String s) {
        return s == null ? "-" : ControlCharacters.escape(s);
    }
}
