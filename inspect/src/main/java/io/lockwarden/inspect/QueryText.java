package io.lockwarden.inspect;

/**
 * Query texts as they may leave Lockwarden: every literal replaced by a numbered placeholder, as
 * {@code pg_stat_statements} shows them ({@code WHERE name = 'x' AND n > 10} becomes
 * {@code WHERE name = $1 AND n > $2}; numbering continues after the highest {@code $n} parameter already in the
 * text). The text is split by a lexer that follows PostgreSQL's rules ({@code scan.l}) with
 * {@code standard_conforming_strings = on} (the default since 9.1), so a literal is masked whatever surrounds it:
 * <ul>
 *   <li>string constants {@code '...'} ({@code ''} inside), {@code E'...'} (backslash escapes), {@code N'...'},
 *       {@code U&'...'} with an optional {@code UESCAPE '.'}, bit strings {@code B'...'} and {@code X'...'},
 *       and a constant continued on the next line ({@code 'a'<newline>'b'}, one placeholder);</li>
 *   <li>dollar-quoted strings {@code $$...$$} and {@code $tag$...$tag$};</li>
 *   <li>numeric constants: {@code 42}, {@code 1_000}, {@code .5}, {@code 1.}, {@code 1e5}, {@code 2.5E-3},
 *       {@code 0x1F}, {@code 0o17}, {@code 0b101};</li>
 *   <li>a literal cut off by the end of the text (texts are truncated at {@code track_activity_query_size}):
 *       masked to the end.</li>
 * </ul>
 * Kept as they are: keywords and identifiers (also {@code "quoted identifiers"} and {@code U&"..."}), operators,
 * {@code $n} parameters, whitespace and comments ({@code --} and nested block comments; they are not
 * literals, so a commented-out literal is kept: lexers and pg_stat_statements agree on that). The full text is
 * available only behind the options documented as sensitive ({@code --show-query-text}).
 *
 * <p>Stateless and thread-safe; time and memory linear in the text's length.
 */
public final class QueryText {
    private QueryText() {
    }

    /**
     * The text with every literal replaced by {@code $n}; null stays null.
     * Never fails: any text (also non-SQL such as {@code <insufficient privilege>}) is lexed.
     */
    public static String normalize(String sql) {
        if (sql == null || sql.isEmpty()) {
            return sql;
        }
        return new Lexer(sql).normalize();
    }

    /** One pass over the text. Not thread-safe (one instance per call). */
    private static final class Lexer {
        private final String s;
        private final int n;
        private int i;

        Lexer(String s) {
            this.s = s;
            this.n = s.length();
        }

        String normalize() {
            int next = maxParameter() + 1;
            StringBuilder out = new StringBuilder(n);
            i = 0;
            while (i < n) {
                int start = i;
                if (literal()) {
                    out.append('$').append(next++);
                } else {
                    i = start;
                    other();
                    out.append(s, start, i);
                }
            }
            return out.toString();
        }

        /** The highest {@code $n} parameter outside literals and comments (0 if none). */
        private int maxParameter() {
            int max = 0;
            i = 0;
            while (i < n) {
                int start = i;
                if (literal()) {
                    continue;
                }
                i = start;
                if (s.charAt(i) == '$' && i + 1 < n && digit(s.charAt(i + 1))) {
                    int j = i + 1;
                    while (j < n && digit(s.charAt(j))) {
                        j++;
                    }
                    String digits = s.substring(i + 1, j);
                    max = Math.max(max, digits.length() > 6 ? 999_999 : Integer.parseInt(digits));
                    i = j;
                } else {
                    other();
                }
            }
            return Math.min(max, 999_999);
        }

        /** Consumes a literal at {@code i} and returns true, or returns false (position then undefined). */
        private boolean literal() {
            char c = s.charAt(i);
            if (c == '\'') {
                quoted(false);
                continuation(false);
                return true;
            }
            if ((c == 'e' || c == 'E') && at(i + 1, '\'')) {
                i++;
                quoted(true);
                continuation(true);
                return true;
            }
            if ((c == 'b' || c == 'B' || c == 'x' || c == 'X' || c == 'n' || c == 'N') && at(i + 1, '\'')) {
                i++;
                quoted(false);
                continuation(false);
                return true;
            }
            if ((c == 'u' || c == 'U') && at(i + 1, '&') && at(i + 2, '\'')) {
                i += 2;
                quoted(false);
                continuation(false);
                uescape();
                return true;
            }
            if (c == '$') {
                return dollarQuoted();
            }
            if (digit(c) || (c == '.' && i + 1 < n && digit(s.charAt(i + 1)))) {
                number();
                return true;
            }
            return false;
        }

        /** A quoted string from the opening quote at {@code i}: {@code ''} inside; backslash escapes if extended. */
        private void quoted(boolean backslashes) {
            i++;
            while (i < n) {
                char c = s.charAt(i);
                if (backslashes && c == '\\') {
                    i += 2;
                } else if (c == '\'') {
                    if (at(i + 1, '\'')) {
                        i += 2;
                    } else {
                        i++;
                        return;
                    }
                } else {
                    i++;
                }
            }
            i = n; // cut off: the rest is the literal
        }

        /** {@code 'a'} then whitespace with a newline then {@code 'b'} is one constant (scan.l's quotecontinue). */
        private void continuation(boolean backslashes) {
            while (true) {
                int j = i;
                boolean newline = false;
                while (j < n) {
                    char c = s.charAt(j);
                    if (c == '\n' || c == '\r') {
                        newline = true;
                        j++;
                    } else if (c == ' ' || c == '\t' || c == '\f' || c == 0x0B) {
                        j++;
                    } else if (newline && c == '-' && at(j + 1, '-')) {
                        while (j < n && s.charAt(j) != '\n' && s.charAt(j) != '\r') {
                            j++;
                        }
                    } else {
                        break;
                    }
                }
                if (!newline || !at(j, '\'')) {
                    return;
                }
                i = j;
                quoted(backslashes);
            }
        }

        /** An optional {@code UESCAPE 'c'} after a Unicode string belongs to it. */
        private void uescape() {
            int j = i;
            while (j < n && Character.isWhitespace(s.charAt(j))) {
                j++;
            }
            if (j + 7 <= n && s.regionMatches(true, j, "uescape", 0, 7) && !identChar(j + 7)) {
                int k = j + 7;
                while (k < n && Character.isWhitespace(s.charAt(k))) {
                    k++;
                }
                if (at(k, '\'')) {
                    i = k;
                    quoted(false);
                }
            }
        }

        /** {@code $tag$...$tag$} (tag optional); false for a {@code $n} parameter or a lone {@code $}. */
        private boolean dollarQuoted() {
            int j = i + 1;
            if (j < n && identStart(s.charAt(j))) {
                j++;
                while (j < n && (identStart(s.charAt(j)) || digit(s.charAt(j)))) {
                    j++;
                }
            }
            if (!at(j, '$')) {
                return false;
            }
            String delimiter = s.substring(i, j + 1);
            int end = s.indexOf(delimiter, j + 1);
            i = end < 0 ? n : end + delimiter.length();
            return true;
        }

        /** Decimal (with {@code _}, fraction, exponent) or {@code 0x}/{@code 0o}/{@code 0b} integers. */
        private void number() {
            char c = s.charAt(i);
            if (c == '0' && i + 2 < n && "xXoObB".indexOf(s.charAt(i + 1)) >= 0 && alnum(s.charAt(i + 2))) {
                i += 2;
                while (i < n && (alnum(s.charAt(i)) || s.charAt(i) == '_')) {
                    i++;
                }
                return;
            }
            digits();
            if (at(i, '.') && !at(i + 1, '.')) { // 1..2 is not a number (array slices): 1 then ..
                i++;
                digits();
            }
            if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
                int j = i + 1;
                if (j < n && (s.charAt(j) == '+' || s.charAt(j) == '-')) {
                    j++;
                }
                if (j < n && digit(s.charAt(j))) {
                    i = j;
                    digits();
                }
            }
            // trailing junk such as 123abc (an error since PostgreSQL 15) stays in the literal
            while (i < n && (identStart(s.charAt(i)) || digit(s.charAt(i)))) {
                i++;
            }
        }

        private void digits() {
            while (i < n && (digit(s.charAt(i)) || (s.charAt(i) == '_' && i + 1 < n && digit(s.charAt(i + 1))))) {
                i++;
            }
        }

        /** Anything that is not a literal: one comment, identifier, quoted identifier, whitespace run or char. */
        private void other() {
            char c = s.charAt(i);
            if (c == '-' && at(i + 1, '-')) {
                while (i < n && s.charAt(i) != '\n' && s.charAt(i) != '\r') {
                    i++;
                }
            } else if (c == '/' && at(i + 1, '*')) {
                int depth = 0;
                while (i < n) {
                    if (s.charAt(i) == '/' && at(i + 1, '*')) {
                        depth++;
                        i += 2;
                    } else if (s.charAt(i) == '*' && at(i + 1, '/')) {
                        depth--;
                        i += 2;
                        if (depth == 0) {
                            return;
                        }
                    } else {
                        i++;
                    }
                }
            } else if (c == '"' || ((c == 'u' || c == 'U') && at(i + 1, '&') && at(i + 2, '"'))) {
                i = c == '"' ? i : i + 2;
                i++;
                while (i < n) {
                    if (s.charAt(i) == '"') {
                        if (at(i + 1, '"')) {
                            i += 2;
                        } else {
                            i++;
                            return;
                        }
                    } else {
                        i++;
                    }
                }
            } else if (identStart(c)) {
                i++;
                while (i < n && (identStart(s.charAt(i)) || digit(s.charAt(i)) || s.charAt(i) == '$')) {
                    i++;
                }
            } else if (c == '$' && i + 1 < n && digit(s.charAt(i + 1))) {
                i++;
                while (i < n && digit(s.charAt(i))) {
                    i++;
                }
            } else {
                i++;
            }
        }

        private boolean at(int j, char c) {
            return j < n && s.charAt(j) == c;
        }

        private boolean identChar(int j) {
            return j < n && (identStart(s.charAt(j)) || digit(s.charAt(j)) || s.charAt(j) == '$');
        }

        private static boolean identStart(char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
        }

        private static boolean digit(char c) {
            return c >= '0' && c <= '9';
        }

        private static boolean alnum(char c) {
            return digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        }
    }
}
