package io.lockwarden.guard.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds the advisory lock function calls in a statement's text. The cheap check
 * ({@link #mentionsAdvisory}, a case-insensitive search for "advisory") runs on every statement; only the
 * texts it matches are tokenized: string literals, quoted identifiers, dollar-quoted bodies and comments
 * are skipped (a mention inside a literal or body marks the plan unfollowed), {@code ?} placeholders are
 * numbered as pgjdbc numbers them, and several statements in one string are told apart. Stateless and
 * thread-safe.
 */
public final class SqlScanner {
    private static final Set<String> NOT_A_PLAIN_SELECT = Set.of("from", "where", "having", "group", "limit",
            "offset", "fetch", "union", "intersect", "except", "window", "into", "case", "when", "then", "else");

    private static final int CACHE_SIZE = 512;
    private static final Map<String, StatementPlan> CACHE = new ConcurrentHashMap<>();

    private enum Type { WORD, NUMBER, PARAM, LPAREN, RPAREN, COMMA, SEMI, CAST, OTHER }

    private record Token(Type type, String text, int param) {
        boolean is(Type t) {
            return type == t;
        }

        boolean isWord(String w) {
            return type == Type.WORD && text.equals(w);
        }
    }

    private final String sql;
    private final List<Token> tokens = new ArrayList<>();
    private boolean unfollowed;
    private int params;

    private SqlScanner(String sql) {
        this.sql = sql;
    }

    /** Whether the text contains "advisory" in any case: the only cost of a statement that takes no lock. */
    public static boolean mentionsAdvisory(String sql) {
        int n = sql.length() - 8;
        for (int i = 0; i <= n; i++) {
            char c = sql.charAt(i);
            if ((c == 'a' || c == 'A') && sql.regionMatches(true, i + 1, "dvisory", 0, 7)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The plan of a statement text; {@link StatementPlan#NONE} when it does not mention advisory locks. Plans
     * of texts that do are cached (applications run the same few lock statements over and over).
     */
    public static StatementPlan plan(String sql) {
        if (sql == null || !mentionsAdvisory(sql)) {
            return StatementPlan.NONE;
        }
        StatementPlan known = CACHE.get(sql);
        if (known != null) {
            return known;
        }
        SqlScanner s = new SqlScanner(sql);
        s.tokenize();
        StatementPlan plan = StatementPlan.of(s.analyze(), s.unfollowed);
        if (CACHE.size() >= CACHE_SIZE) {
            CACHE.clear(); // texts built with literal keys would grow it without bound
        }
        CACHE.put(sql, plan);
        return plan;
    }

    private void tokenize() {
        int i = 0;
        int n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
                int eol = sql.indexOf('\n', i);
                i = eol < 0 ? n : eol + 1;
            } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                i = skipBlockComment(i);
            } else if (c == '\'') {
                boolean backslashes = i > 0 && (sql.charAt(i - 1) == 'e' || sql.charAt(i - 1) == 'E')
                        && (i < 2 || !isIdentifierPart(sql.charAt(i - 2)));
                i = skipQuoted(i, '\'', backslashes, true);
            } else if (c == '"') {
                i = skipQuoted(i, '"', false, false);
            } else if (c == '$' && (i == 0 || !isIdentifierPart(sql.charAt(i - 1))) && i + 1 < n
                    && !Character.isDigit(sql.charAt(i + 1))) {
                i = skipDollarQuoted(i);
            } else if (c == '?') {
                if (i + 1 < n && sql.charAt(i + 1) == '?') {
                    tokens.add(new Token(Type.OTHER, "??", 0));
                    i += 2;
                } else {
                    tokens.add(new Token(Type.PARAM, "?", ++params));
                    i++;
                }
            } else if (Character.isDigit(c)) {
                int start = i;
                while (i < n && (Character.isLetterOrDigit(sql.charAt(i)) || sql.charAt(i) == '.'
                        || sql.charAt(i) == '_')) {
                    i++;
                }
                tokens.add(new Token(Type.NUMBER, sql.substring(start, i), 0));
            } else if (isIdentifierStart(c)) {
                int start = i;
                while (i < n && isIdentifierPart(sql.charAt(i))) {
                    i++;
                }
                tokens.add(new Token(Type.WORD, sql.substring(start, i).toLowerCase(Locale.ROOT), 0));
            } else if (c == ':' && i + 1 < n && sql.charAt(i + 1) == ':') {
                tokens.add(new Token(Type.CAST, "::", 0));
                i += 2;
            } else {
                Type t = switch (c) {
                    case '(' -> Type.LPAREN;
                    case ')' -> Type.RPAREN;
                    case ',' -> Type.COMMA;
                    case ';' -> Type.SEMI;
                    default -> Type.OTHER;
                };
                tokens.add(new Token(t, String.valueOf(c), 0));
                i++;
            }
        }
    }

    private int skipBlockComment(int i) {
        int depth = 0;
        int n = sql.length();
        while (i < n) {
            if (sql.startsWith("/*", i)) {
                depth++;
                i += 2;
            } else if (sql.startsWith("*/", i)) {
                i += 2;
                if (--depth == 0) {
                    return i;
                }
            } else {
                i++;
            }
        }
        return n;
    }

    private int skipQuoted(int i, char quote, boolean backslashes, boolean literal) {
        int n = sql.length();
        int start = ++i;
        while (i < n) {
            char c = sql.charAt(i);
            if (backslashes && c == '\\') {
                i += 2;
            } else if (c == quote) {
                if (i + 1 < n && sql.charAt(i + 1) == quote) {
                    i += 2;
                } else {
                    break;
                }
            } else {
                i++;
            }
        }
        noteHidden(start, Math.min(i, n));
        if (literal) {
            tokens.add(new Token(Type.OTHER, "'", 0));
        } else {
            tokens.add(new Token(Type.WORD, "\"", 0));
        }
        return i + 1;
    }

    private int skipDollarQuoted(int i) {
        int n = sql.length();
        int j = i + 1;
        while (j < n && isIdentifierPart(sql.charAt(j)) && sql.charAt(j) != '$') {
            j++;
        }
        if (j >= n || sql.charAt(j) != '$') {
            tokens.add(new Token(Type.OTHER, "$", 0));
            return i + 1;
        }
        String tag = sql.substring(i, j + 1);
        int end = sql.indexOf(tag, j + 1);
        int bodyEnd = end < 0 ? n : end;
        noteHidden(j + 1, bodyEnd);
        tokens.add(new Token(Type.OTHER, "'", 0));
        return end < 0 ? n : end + tag.length();
    }

    private void noteHidden(int from, int to) {
        // a lock call's text (pg_advisory_..., pg_try_advisory_...) in a body or quoted SQL, not data such as
        // locktype = 'advisory' in a pg_locks query
        for (int i = from; i + 9 <= to; i++) {
            if (sql.regionMatches(true, i, "advisory_", 0, 9)) {
                unfollowed = true;
                return;
            }
        }
    }

    private static boolean isIdentifierStart(char c) {
        return Character.isLetter(c) || c == '_';
    }

    private static boolean isIdentifierPart(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$';
    }

    private List<AdvisoryCall> analyze() {
        List<AdvisoryCall> calls = new ArrayList<>();
        int segment = 0;
        int start = 0;
        int depth = 0;
        for (int i = 0; i <= tokens.size(); i++) {
            boolean end = i == tokens.size();
            if (!end) {
                Token t = tokens.get(i);
                if (t.is(Type.LPAREN)) {
                    depth++;
                } else if (t.is(Type.RPAREN)) {
                    depth = Math.max(0, depth - 1);
                }
            }
            if (end || (depth == 0 && tokens.get(i).is(Type.SEMI))) {
                if (i > start) {
                    analyzeSegment(tokens.subList(start, i), segment, calls);
                    segment++;
                }
                start = i + 1;
            }
        }
        return calls;
    }

    private void analyzeSegment(List<Token> seg, int segment, List<AdvisoryCall> calls) {
        int first = 0;
        boolean outParam = false;
        boolean escape = false;
        if (seg.get(0).text().equals("{")) {
            escape = true;
            first = 1;
            if (first + 1 < seg.size() && seg.get(first).is(Type.PARAM) && seg.get(first + 1).text().equals("=")) {
                outParam = true;
                first += 2;
            }
            if (first < seg.size() && seg.get(first).isWord("call")) {
                first++;
            } else {
                escape = false;
            }
        }
        boolean select = escape || seg.get(0).isWord("select");
        int depth = 0;
        int column = 1;
        boolean plain = select;
        List<int[]> found = new ArrayList<>(); // token index of the name, call depth, column
        for (int i = escape ? first : 1; i < seg.size(); i++) {
            Token t = seg.get(i);
            switch (t.type()) {
                case LPAREN -> depth++;
                case RPAREN -> depth = Math.max(0, depth - 1);
                case COMMA -> {
                    if (depth == 0) {
                        column++;
                    }
                }
                case WORD -> {
                    AdvisoryFunction f = AdvisoryFunction.named(t.text());
                    boolean call = i + 1 < seg.size() && seg.get(i + 1).is(Type.LPAREN);
                    if (f != null && call) {
                        found.add(new int[] {i, depth, column});
                    } else {
                        if (depth == 0 && NOT_A_PLAIN_SELECT.contains(t.text())) {
                            plain = false;
                        }
                        if (t.text().contains("advisory")) {
                            unfollowed = true; // a function or name of the application's own
                        }
                    }
                }
                default -> {
                }
            }
        }
        for (int[] at : found) {
            int name = at[0];
            AdvisoryFunction f = AdvisoryFunction.named(seg.get(name).text());
            int close = matchingParen(seg, name + 1);
            List<KeyArgument> args = arguments(seg.subList(name + 2, Math.max(name + 2, close)));
            boolean whole = at[1] == 0 && startsItem(seg, name, escape ? first : 1) && endsItem(seg, close);
            boolean keysKnown = args.stream().allMatch(KeyArgument::known)
                    && (f.kind() == AdvisoryFunction.Kind.UNLOCK_ALL ? args.isEmpty() : args.size() == 1 || args.size() == 2);
            boolean certain = select && plain && whole && keysKnown;
            int col = whole && !outParam ? (escape ? 1 : at[2]) : 0;
            calls.add(new AdvisoryCall(f, args, certain, segment, col, outParam && whole));
        }
    }

    private static boolean startsItem(List<Token> seg, int name, int firstItem) {
        int prev = name - 1;
        if (prev >= 1 && seg.get(prev).text().equals(".") && seg.get(prev - 1).is(Type.WORD)) {
            prev -= 2;
        }
        return prev == firstItem - 1 || (prev >= 0 && seg.get(prev).is(Type.COMMA));
    }

    private static boolean endsItem(List<Token> seg, int close) {
        if (close < 0) {
            return false;
        }
        int next = close + 1;
        if (next >= seg.size()) {
            return true;
        }
        Token t = seg.get(next);
        return t.is(Type.COMMA) || t.isWord("as") || t.text().equals("}");
    }

    private static int matchingParen(List<Token> seg, int open) {
        int depth = 0;
        for (int i = open; i < seg.size(); i++) {
            if (seg.get(i).is(Type.LPAREN)) {
                depth++;
            } else if (seg.get(i).is(Type.RPAREN) && --depth == 0) {
                return i;
            }
        }
        return -1;
    }

    private static List<KeyArgument> arguments(List<Token> inside) {
        List<KeyArgument> args = new ArrayList<>();
        if (inside.isEmpty()) {
            return args;
        }
        int depth = 0;
        int start = 0;
        for (int i = 0; i <= inside.size(); i++) {
            if (i == inside.size() || (depth == 0 && inside.get(i).is(Type.COMMA))) {
                args.add(argument(inside.subList(start, i)));
                start = i + 1;
            } else if (inside.get(i).is(Type.LPAREN)) {
                depth++;
            } else if (inside.get(i).is(Type.RPAREN)) {
                depth--;
            }
        }
        return args;
    }

    /** An integer literal or a {@code ?}, optionally signed, parenthesized or cast; anything else is unknown. */
    private static KeyArgument argument(List<Token> arg) {
        List<Token> a = arg;
        while (a.size() >= 2 && a.get(0).is(Type.LPAREN) && a.get(a.size() - 1).is(Type.RPAREN)) {
            a = a.subList(1, a.size() - 1);
        }
        if (a.size() >= 6 && a.get(0).isWord("cast") && a.get(1).is(Type.LPAREN) && a.get(3).isWord("as")
                && a.get(a.size() - 1).is(Type.RPAREN)) {
            return argument(a.subList(2, 3));
        }
        if (a.size() >= 3 && a.get(a.size() - 2).is(Type.CAST) && a.get(a.size() - 1).is(Type.WORD)) {
            return argument(a.subList(0, a.size() - 2));
        }
        boolean negative = false;
        if (a.size() == 2 && (a.get(0).text().equals("-") || a.get(0).text().equals("+"))) {
            negative = a.get(0).text().equals("-");
            a = a.subList(1, 2);
        }
        if (a.size() != 1) {
            return KeyArgument.UNKNOWN;
        }
        Token t = a.get(0);
        if (t.is(Type.PARAM) && !negative) {
            return KeyArgument.parameter(t.param());
        }
        if (t.is(Type.NUMBER)) {
            try {
                return KeyArgument.literal(Long.parseLong(negative ? "-" + t.text() : t.text()));
            } catch (NumberFormatException e) {
                return KeyArgument.UNKNOWN;
            }
        }
        return KeyArgument.UNKNOWN;
    }
}
