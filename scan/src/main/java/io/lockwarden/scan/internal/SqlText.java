package io.lockwarden.scan.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Finds advisory lock function calls in SQL text with a small SQL lexer: {@code --} and nested
 * {@code /* *}{@code /} comments and single-quoted literals are skipped, dollar-quoted bodies are scanned
 * (they hold PL/pgSQL code). Stateless and thread safe.
 */
public final class SqlText {
    private static final Pattern PLACEHOLDER =
            Pattern.compile("\\?|\\$\\d+|%s|%d|%\\(\\w+\\)s|:\\w+|@\\w+|\\$\\{?[\\w.]+}?|\\{\\w*}|#\\{\\w+}");
    private static final Pattern CONCURRENT_DDL = Pattern.compile(
            "(?is)\\b(create\\s+(unique\\s+)?index\\s+concurrently|drop\\s+index\\s+concurrently|reindex\\b.*\\bconcurrently)");
    private static final Pattern STATEMENT = Pattern.compile(
            "(?is)\\s*(select|insert|update|delete|with|merge|create|alter|drop|truncate|copy|call|refresh)\\b");
    private static final Pattern INT_LITERAL = Pattern.compile("-?\\d+");

    private SqlText() {
    }

    /** True when {@code text} contains "advisory" in any case: a cheap pre-filter. */
    public static boolean mentionsAdvisory(CharSequence text) {
        return indexOfIgnoreCase(text, "advisory", 0) >= 0;
    }

    /** Case-insensitive indexOf for an ASCII lower-case {@code needle}. */
    public static int indexOfIgnoreCase(CharSequence text, String needle, int from) {
        int n = needle.length();
        char first = needle.charAt(0);
        char firstUpper = Character.toUpperCase(first);
        outer:
        for (int i = from, end = text.length() - n; i <= end; i++) {
            char c = text.charAt(i);
            if (c != first && c != firstUpper) {
                continue;
            }
            for (int j = 1; j < n; j++) {
                if (Character.toLowerCase(text.charAt(i + j)) != needle.charAt(j)) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** True when the SQL runs CREATE/DROP INDEX CONCURRENTLY or REINDEX ... CONCURRENTLY (waits for open transactions). */
    public static boolean runsConcurrentDdl(CharSequence sql) {
        return indexOfIgnoreCase(sql, "concurrently", 0) >= 0 && CONCURRENT_DDL.matcher(sql).find();
    }

    /** True when the text starts like an SQL statement that does work (not a comment, not an empty string). */
    public static boolean isStatement(CharSequence sql) {
        return STATEMENT.matcher(sql).lookingAt();
    }

    /** True when the SQL sets a server-side timeout that bounds a lock wait. */
    public static boolean setsTimeout(CharSequence sql) {
        return indexOfIgnoreCase(sql, "lock_timeout", 0) >= 0 || indexOfIgnoreCase(sql, "statement_timeout", 0) >= 0;
    }

    /** True when the argument text is a bind placeholder rather than a value. */
    public static boolean isPlaceholder(String arg) {
        return PLACEHOLDER.matcher(arg).matches();
    }

    /** True when the argument is an integer literal. */
    public static boolean isIntLiteral(String arg) {
        return INT_LITERAL.matcher(arg).matches();
    }

    /**
     * A literal key "looks random" when it has at least six digits, at least four distinct digits and
     * does not end in three zeros: 1, 42, 1000000 and 20240101 pass; 7382910465 does not.
     */
    public static boolean looksRandom(String arg) {
        String digits = arg.startsWith("-") ? arg.substring(1) : arg;
        if (!digits.chars().allMatch(Character::isDigit) || digits.length() < 6) {
            return false;
        }
        if (digits.endsWith("000")) {
            return false;
        }
        return digits.chars().distinct().count() >= 4 && !digits.matches("(19|20)\\d{6}");
    }

    /** All advisory lock calls in {@code sql}, in order. */
    public static List<SqlLockCall> lockCalls(String sql) {
        List<SqlLockCall> out = new ArrayList<>(2);
        if (!mentionsAdvisory(sql)) {
            return out;
        }
        int n = sql.length();
        int i = 0;
        while (i < n) {
            char c = sql.charAt(i);
            if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
                while (i < n && sql.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                i = skipBlockComment(sql, i);
            } else if (c == '\'') {
                i = skipQuoted(sql, i);
            } else if ((c == 'p' || c == 'P') && (i == 0 || !isIdent(sql.charAt(i - 1)))) {
                int end = i;
                while (end < n && isIdent(sql.charAt(end))) {
                    end++;
                }
                LockFunction f = LockFunction.bySqlName(sql.substring(i, end));
                int p = end;
                while (p < n && Character.isWhitespace(sql.charAt(p))) {
                    p++;
                }
                if (f != null && p < n && sql.charAt(p) == '(') {
                    int close = matchParen(sql, p);
                    out.add(new SqlLockCall(f, close < 0 ? List.of("?") : splitArgs(sql.substring(p + 1, close)), i));
                    i = end;
                } else {
                    i = Math.max(end, i + 1);
                }
            } else {
                i++;
            }
        }
        return out;
    }

    private static boolean isIdent(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }

    static int skipBlockComment(String s, int i) {
        int depth = 0;
        int n = s.length();
        while (i < n) {
            if (s.startsWith("/*", i)) {
                depth++;
                i += 2;
            } else if (s.startsWith("*/", i)) {
                depth--;
                i += 2;
                if (depth == 0) {
                    return i;
                }
            } else {
                i++;
            }
        }
        return n;
    }

    static int skipQuoted(String s, int i) {
        int n = s.length();
        i++;
        while (i < n) {
            if (s.charAt(i) == '\'') {
                if (i + 1 < n && s.charAt(i + 1) == '\'') {
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            i++;
        }
        return n;
    }

    /** Whether {@code word} (lower case) ends, in any case, just before {@code offset}, ignoring whitespace between. */
    public static boolean precededByWord(String text, int offset, String word) {
        int e = offset;
        while (e > 0 && Character.isWhitespace(text.charAt(e - 1))) {
            e--;
        }
        return e >= word.length() && text.regionMatches(true, e - word.length(), word, 0, word.length());
    }

    /** How far past its opening parenthesis a lock call's argument list is read. */
    static final int MAX_ARGUMENT_CHARS = 4096;

    /**
     * The closing parenthesis of a lock call's argument list, looked for within {@link #MAX_ARGUMENT_CHARS}; -1
     * when there is none there (its arguments are then unknown), so text full of unclosed calls is still read
     * in linear time. At the very end of a text (a fragment cut before its closing parenthesis) the end counts.
     */
    private static int matchParen(String s, int open) {
        int depth = 0;
        int limit = (int) Math.min(s.length(), (long) open + MAX_ARGUMENT_CHARS);
        for (int i = open; i < limit; i++) {
            char c = s.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
                if (depth == 0) {
                    return i;
                }
            } else if (c == '\'') {
                i = skipQuoted(s, i) - 1;
            }
        }
        return limit == s.length() && limit - open < MAX_ARGUMENT_CHARS ? limit : -1;
    }

    private static List<String> splitArgs(String inner) {
        List<String> args = new ArrayList<>(2);
        int depth = 0;
        int start = 0;
        for (int i = 0; i < inner.length(); i++) {
            char c = inner.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == '\'') {
                i = skipQuoted(inner, i) - 1;
            } else if (c == ',' && depth == 0) {
                args.add(normalizeArg(inner.substring(start, i)));
                start = i + 1;
            }
        }
        String last = normalizeArg(inner.substring(start));
        if (!last.isEmpty() || !args.isEmpty()) {
            args.add(last);
        }
        return args;
    }

    /** Longest argument text kept (longer ones are cut, so that messages stay one readable line). */
    static final int MAX_ARGUMENT_SHOWN = 120;

    /** Lower-cases, drops whitespace and {@code ::type} casts; cuts the text at {@link #MAX_ARGUMENT_SHOWN}. */
    public static String normalizeArg(String a) {
        if (a.length() > MAX_ARGUMENT_SHOWN) {
            a = a.substring(0, MAX_ARGUMENT_SHOWN - 3) + "...";
        }
        String t = a.strip().toLowerCase(Locale.ROOT).replaceAll("::\\s*\\w+", "").replaceAll("\\s+", "");
        if (t.startsWith("cast(") && t.contains("as")) {
            t = t.substring(5, t.lastIndexOf("as"));
        }
        return t;
    }
}
