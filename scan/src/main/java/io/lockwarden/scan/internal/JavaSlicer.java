package io.lockwarden.scan.internal;

import java.util.HashSet;
import java.util.Set;

/**
 * Speeds up Java parsing by blanking the bodies of methods, constructors and other {@code ) { ... }}
 * blocks that cannot matter to any rule: bodies that mention neither an advisory lock function, nor a
 * Lockwarden {@code acquire}, nor a constant whose initializer does. Blanked characters become spaces
 * (line breaks are kept), so every position in the AST stays the position in the file. Declarations,
 * annotations and field initializers are never touched. Stateless and thread safe.
 */
public final class JavaSlicer {
    private JavaSlicer() {
    }

    /**
     * Text to parse with the lines that slicing emptied removed, and for each of its lines the 1-based line
     * of the original file ({@code lineMap[i]} for line {@code i + 1}); columns are unchanged.
     *
     * @param text    the text to parse
     * @param lineMap original line numbers, or null when no line was removed
     */
    public record Compacted(String text, int[] lineMap) {
        /** The original 1-based line of a line of {@link #text()}. */
        public int originalLine(int line) {
            return lineMap == null || line < 1 || line > lineMap.length ? line : lineMap[line - 1];
        }
    }

    /** Slices and drops the lines that slicing made empty (they were comments or irrelevant members). */
    public static Compacted sliceAndCompact(String text, Set<String> extraWords) {
        String sliced = slice(text, extraWords);
        if (sliced == text) {
            return new Compacted(text, null);
        }
        StringBuilder b = new StringBuilder(sliced.length() / 2);
        int[] map = new int[64];
        int kept = 0;
        int line = 1;
        int start = 0;
        int n = sliced.length();
        while (start <= n) {
            int end = sliced.indexOf('\n', start);
            int stop = end < 0 ? n : end;
            boolean emptied = isBlank(sliced, start, stop) && !isBlank(text, start, stop);
            if (!emptied) {
                b.append(sliced, start, stop);
                if (end >= 0) {
                    b.append('\n');
                }
                if (kept == map.length) {
                    map = java.util.Arrays.copyOf(map, kept * 2);
                }
                map[kept++] = line;
            }
            if (end < 0) {
                break;
            }
            start = end + 1;
            line++;
        }
        return new Compacted(b.toString(), java.util.Arrays.copyOf(map, kept));
    }

    private static boolean isBlank(String s, int from, int to) {
        for (int k = from; k < to; k++) {
            char c = s.charAt(k);
            if (c != ' ' && c != '\t' && c != '\r') {
                return false;
            }
        }
        return true;
    }

    /**
     * The text to parse: {@code text} with irrelevant bodies blanked.
     *
     * @param extraWords names that make a body relevant (constants of other files)
     */
    public static String slice(String text, Set<String> extraWords) {
        Set<String> words = new HashSet<>(extraWords);
        constantNames(text, words);
        char[] out = null;
        int n = text.length();
        char prevSignificant = 0;
        boolean inThrows = false;
        int memberStart = 0;
        int nextBlock = -1;
        int nextLine = -1;
        int i = 0;
        while (i < n) {
            char c = text.charAt(i);
            if (c == '/' && i + 1 < n && (text.charAt(i + 1) == '/' || text.charAt(i + 1) == '*')) {
                int e = text.charAt(i + 1) == '/' ? lineEnd(text, i) : text.indexOf("*/", i + 2);
                e = e < 0 ? n : text.charAt(i + 1) == '/' ? e : e + 2;
                if (out == null) {
                    out = text.toCharArray();
                }
                blank(out, i, e); // comments never matter to a rule; the lexer need not collect them
                i = e;
                continue;
            }
            if (c == '"' || c == '\'') {
                i = skipLiteral(text, i);
                prevSignificant = c;
                continue;
            }
            if (Character.isJavaIdentifierStart(c)) {
                int e = i + 1;
                while (e < n && Character.isJavaIdentifierPart(text.charAt(e))) {
                    e++;
                }
                if (prevSignificant == ')' && text.startsWith("throws", i) && e - i == 6) {
                    inThrows = true;
                }
                prevSignificant = 'a';
                i = e;
                continue;
            }
            if (Character.isWhitespace(c)) {
                i++;
                continue;
            }
            if (c == '{' && (prevSignificant == ')' || inThrows)) {
                int close = matchingBrace(text, i);
                if (!relevant(text, i + 1, close, words)) {
                    if (out == null) {
                        out = text.toCharArray();
                    }
                    String signature = new String(out, memberStart, i - memberStart);
                    if (isMethodSignature(signature)) {
                        blank(out, memberStart, Math.min(close + 1, n)); // the whole member goes
                    } else {
                        blank(out, i + 1, close);
                    }
                } else if (out != null || (nextBlock = next(text, "/*", i, nextBlock)) < close
                        || (nextLine = next(text, "//", i, nextLine)) < close) {
                    if (out == null) {
                        out = text.toCharArray();
                    }
                    blankComments(text, out, i + 1, close);
                }
                i = close < n ? close + 1 : n;
                memberStart = i;
                prevSignificant = '}';
                inThrows = false;
                continue;
            }
            if (c == ';' || c == '{' || c == '}' || c == '=') {
                inThrows = false;
            }
            if (c == ';' || c == '{' || c == '}') {
                memberStart = i + 1;
            }
            if (!inThrows || c != ',' && c != '.' && c != '<' && c != '>') {
                prevSignificant = c;
            }
            i++;
        }
        return out == null ? text : new String(out);
    }

    private static final java.util.regex.Pattern ANNOTATION =
            java.util.regex.Pattern.compile("@[\\w.]+(\\s*\\([^()]*\\))?");
    private static final java.util.regex.Pattern METHOD_SIGNATURE = java.util.regex.Pattern.compile(
            "\\s*((public|protected|private|static|final|abstract|synchronized|native|default|strictfp)\\s+"
                    + "|<[^{};=()]*>\\s*)*([\\w.\\[\\]?]+(<[^{};=()]*>)?[\\[\\]\\s]*\\s+)?\\w+\\s*"
                    + "\\([^{};=]*\\)\\s*(throws\\s+[\\w.,\\s]+)?");
    private static final Set<String> STATEMENT_WORDS = Set.of("if", "for", "while", "switch", "catch", "try",
            "synchronized", "else", "do", "return", "new", "record");

    /** True for a plain method or constructor header (annotations allowed), never a statement or initializer. */
    static boolean isMethodSignature(String signature) {
        String t = ANNOTATION.matcher(signature).replaceAll(" ").strip();
        if (t.isEmpty() || t.indexOf('(') < 0) {
            return false;
        }
        String first = t.split("[\\s(<]", 2)[0];
        String name = t.substring(0, t.indexOf('(')).strip();
        name = name.substring(Math.max(name.lastIndexOf(' '), name.lastIndexOf('>')) + 1);
        if (STATEMENT_WORDS.contains(first) || STATEMENT_WORDS.contains(name)) {
            return false;
        }
        return METHOD_SIGNATURE.matcher(t).matches();
    }

    private static void blank(char[] out, int from, int to) {
        for (int k = from; k < to && k < out.length; k++) {
            if (out[k] != '\n' && out[k] != '\r') {
                out[k] = ' ';
            }
        }
    }

    /** Blanks the comments of a kept body, leaving its code and literals as they are. */
    private static void blankComments(String s, char[] out, int from, int to) {
        int i = from;
        while (i < to) {
            char c = s.charAt(i);
            if (c == '/' && i + 1 < to && (s.charAt(i + 1) == '/' || s.charAt(i + 1) == '*')) {
                int e = s.charAt(i + 1) == '/' ? lineEnd(s, i) : s.indexOf("*/", i + 2);
                e = e < 0 ? to : s.charAt(i + 1) == '/' ? e : e + 2;
                blank(out, i, Math.min(e, to));
                i = e;
            } else if (c == '"' || c == '\'') {
                i = skipLiteral(s, i);
            } else {
                i++;
            }
        }
    }

    private static boolean relevant(String text, int from, int to, Set<String> words) {
        String body = text.substring(from, Math.max(from, to));
        if (SqlText.mentionsAdvisory(body) || body.contains("acquire") || body.contains("Acquire")) {
            return true;
        }
        for (String w : words) {
            int at = body.indexOf(w);
            while (at >= 0) {
                boolean startOk = at == 0 || !Character.isJavaIdentifierPart(body.charAt(at - 1));
                int end = at + w.length();
                boolean endOk = end >= body.length() || !Character.isJavaIdentifierPart(body.charAt(end));
                if (startOk && endOk) {
                    return true;
                }
                at = body.indexOf(w, at + 1);
            }
        }
        return false;
    }

    /** Names assigned in statements that mention advisory locks (or such names), two rounds deep. */
    private static void constantNames(String text, Set<String> words) {
        int from = 0;
        Boundaries b = new Boundaries(text);
        while (true) {
            int at = SqlText.indexOfIgnoreCase(text, "advisory", from);
            if (at < 0) {
                break;
            }
            addAssignedName(text, at, b.statementStart(at), words);
            from = at + 8;
        }
        for (String w : Set.copyOf(words)) {
            int at = text.indexOf(w);
            Boundaries wb = new Boundaries(text);
            while (at >= 0) {
                int stmt = wb.statementStart(at);
                if (wb.lastEquals() > stmt) {
                    addAssignedName(text, at, stmt, words);
                }
                at = text.indexOf(w, at + w.length());
            }
        }
    }

    /**
     * The last statement boundary ({@code ; { }}) and the last {@code =} before a position, for positions asked
     * in increasing order: one forward pass over the text however many positions are asked.
     */
    private static final class Boundaries {
        private final String text;
        private int scanned;
        private int statement = -1;
        private int equals = -1;

        Boundaries(String text) {
            this.text = text;
        }

        /** Index of the last {@code ;}, {@code {} or {@code }} before {@code at}, or -1. */
        int statementStart(int at) {
            for (; scanned < at; scanned++) {
                char c = text.charAt(scanned);
                if (c == ';' || c == '{' || c == '}') {
                    statement = scanned;
                } else if (c == '=') {
                    equals = scanned;
                }
            }
            return statement;
        }

        /** Index of the last {@code =} before the position last asked, or -1. */
        int lastEquals() {
            return equals;
        }
    }

    private static void addAssignedName(String text, int at, int stmt, Set<String> words) {
        int eq = -1;
        for (int k = stmt + 1; k < at; k++) {
            if (text.charAt(k) == '=') {
                eq = k;
                break;
            }
        }
        if (eq < 0) {
            return;
        }
        String head = text.substring(stmt + 1, eq);
        if (!head.contains("final") && !head.contains("static")) {
            return; // a local variable: its own method mentions the SQL anyway
        }
        int e = eq - 1;
        while (e > stmt && Character.isWhitespace(text.charAt(e))) {
            e--;
        }
        int s = e;
        while (s > stmt && Character.isJavaIdentifierPart(text.charAt(s))) {
            s--;
        }
        if (e > s) {
            words.add(text.substring(s + 1, e + 1));
        }
    }

    /** The next {@code needle} at or after {@code from} (length of text when none), reusing {@code known} when still ahead. */
    private static int next(String text, String needle, int from, int known) {
        if (known >= from) {
            return known;
        }
        int at = text.indexOf(needle, from);
        return at < 0 ? text.length() : at;
    }

    private static int lineEnd(String s, int i) {
        int e = s.indexOf('\n', i);
        return e < 0 ? s.length() : e;
    }

    private static int skipLiteral(String s, int i) {
        int n = s.length();
        if (s.startsWith("\"\"\"", i)) {
            int k = i + 3;
            while (k < n) {
                if (s.charAt(k) == '\\') {
                    k += 2;
                } else if (s.startsWith("\"\"\"", k)) {
                    return k + 3;
                } else {
                    k++;
                }
            }
            return n;
        }
        char q = s.charAt(i);
        int k = i + 1;
        while (k < n) {
            char c = s.charAt(k);
            if (c == '\\') {
                k += 2;
            } else if (c == q || c == '\n') {
                return k + 1;
            } else {
                k++;
            }
        }
        return n;
    }

    private static int matchingBrace(String s, int open) {
        int n = s.length();
        int depth = 0;
        int i = open;
        while (i < n) {
            char c = s.charAt(i);
            if (c == '/' && i + 1 < n && s.charAt(i + 1) == '/') {
                i = lineEnd(s, i);
            } else if (c == '/' && i + 1 < n && s.charAt(i + 1) == '*') {
                int e = s.indexOf("*/", i + 2);
                i = e < 0 ? n : e + 2;
            } else if (c == '"' || c == '\'') {
                i = skipLiteral(s, i);
            } else {
                if (c == '{') {
                    depth++;
                } else if (c == '}' && --depth == 0) {
                    return i;
                }
                i++;
            }
        }
        return n;
    }
}
