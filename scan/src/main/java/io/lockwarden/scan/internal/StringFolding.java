package io.lockwarden.scan.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Folds SQL that is built rather than spelled out into single string tokens, so that the lock function
 * is found: concatenation ({@code 'pg_' + 'try_' + ...}, PHP {@code .}, Elixir {@code <>}, Python's
 * adjacent literals), string constants of the same file ({@code const FN = 'pg_advisory_lock'}) used in
 * concatenations and interpolations ({@code ${FN}}, {@code {FN}}, {@code #{FN}}), format verbs filled
 * with literal arguments ({@code fmt.Sprintf("pg_advisory_%s(...)", "lock")}, {@code "..." % "lock"},
 * {@code .format("lock")}) and array joins ({@code ['pg', 'advisory', 'lock'].join('_')},
 * {@code '_'.join([...])}). Tokens that are not folded stay as they are. Stateless and thread safe.
 */
final class StringFolding {
    private static final Pattern HOLE = Pattern.compile("\\$\\{(\\w+)}|#\\{(\\w+)}|\\{(\\w+)}");
    private static final Pattern VERB = Pattern.compile("%[sv]|\\{}");

    private StringFolding() {
    }

    /** The tokens with built strings folded; the input list when nothing needed folding. */
    static List<Token> fold(List<Token> t, Language lang) {
        if (!needsFolding(t)) {
            return t;
        }
        List<Token> pieces = pass(t, lang, Map.of()); // 'pg_' + 'advisory_' + 'lock' -> one literal
        return pass(pieces, lang, constants(pieces)); // then constants holding such literals
    }

    private static List<Token> pass(List<Token> t, Language lang, Map<String, String> constants) {
        List<Token> out = new ArrayList<>(t.size());
        int i = 0;
        while (i < t.size()) {
            Token tok = t.get(i);
            int arrayEnd = tok.is("[") ? arrayJoinEnd(t, i) : -1;
            if (arrayEnd > 0) {
                out.add(new Token(Token.Kind.STRING, arrayJoin(t, i, arrayEnd), tok.start(), tok.line(),
                        tok.column(), tok.indent(), tok.lineStart()));
                i = arrayEnd + 1;
                continue;
            }
            boolean pieceStart = tok.kind() == Token.Kind.STRING
                    || tok.kind() == Token.Kind.WORD && constants.containsKey(tok.text()) && joinAt(t, i + 1, lang) > 0;
            if (!pieceStart) {
                out.add(tok);
                i++;
                continue;
            }
            StringBuilder b = new StringBuilder(piece(tok, constants));
            int j = i;
            while (true) {
                int next = joinAt(t, j + 1, lang);
                if (next < 0 || next >= t.size()) {
                    break;
                }
                Token n = t.get(next);
                if (n.kind() == Token.Kind.STRING) {
                    b.append(n.text());
                } else if (n.kind() == Token.Kind.WORD && constants.containsKey(n.text())) {
                    b.append(constants.get(n.text()));
                } else if (n.kind() == Token.Kind.WORD) {
                    b.append("${").append(n.text()).append('}'); // an unknown value: keep it visible as a hole
                } else {
                    break;
                }
                j = next;
            }
            String text = fillHoles(b.toString(), constants);
            String filled = fillVerbs(t, i, j, text, constants);
            int next = j + 1;
            if (!filled.equals(text)) {
                next = operatorArgsEnd(t, j) + 1; // "...".format("lock") / "..." % "lock": the arguments are used up
                text = filled;
            }
            out.add(j == i && text.equals(tok.text()) && tok.kind() == Token.Kind.STRING ? tok
                    : new Token(Token.Kind.STRING, text, tok.start(), tok.line(), tok.column(), tok.indent(), tok.lineStart()));
            i = next;
        }
        return out;
    }

    /** Cheap test: a fragment of a lock function name that is not a whole name. */
    private static boolean needsFolding(List<Token> t) {
        for (Token tok : t) {
            if (tok.kind() == Token.Kind.STRING) {
                String s = tok.text();
                if (s.contains("pg_") && !SqlText.mentionsAdvisory(s) || s.contains("advisory_%")
                        || s.contains("advisory_{") || s.contains("advisory_$") || s.contains("advisory_#")
                        || s.equals("advisory") || s.contains("_%s") || s.contains("{}(")) {
                    return true;
                }
                if (SqlText.mentionsAdvisory(s) && (s.contains("${") || s.contains("#{") || s.contains("%s") || s.contains("{"))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String piece(Token tok, Map<String, String> constants) {
        return tok.kind() == Token.Kind.STRING ? tok.text() : constants.get(tok.text());
    }

    /** Index of the token joined to the piece ending before {@code i}, or -1. */
    private static int joinAt(List<Token> t, int i, Language lang) {
        if (i >= t.size()) {
            return -1;
        }
        Token op = t.get(i);
        if (op.kind() == Token.Kind.STRING && lang == Language.PYTHON) {
            return i; // implicit concatenation of adjacent literals
        }
        boolean join = op.is("+") && !(i + 1 < t.size() && (t.get(i + 1).is("+") || t.get(i + 1).is("=")))
                || lang == Language.PHP && op.is(".")
                || lang == Language.ELIXIR && op.is("<") && i + 1 < t.size() && t.get(i + 1).is(">");
        if (!join) {
            return -1;
        }
        int k = op.is("<") ? i + 2 : i + 1;
        return k < t.size() && t.get(k).kind() != Token.Kind.PUNCT ? k : -1;
    }

    private static String fillHoles(String s, Map<String, String> constants) {
        if (s.indexOf('{') < 0) {
            return s;
        }
        Matcher m = HOLE.matcher(s);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
            String v = constants.get(name);
            m.appendReplacement(b, Matcher.quoteReplacement(v != null ? v : m.group()));
        }
        m.appendTail(b);
        return b.toString();
    }

    /** Fills {@code %s}/{@code {}} verbs with the literal arguments of Sprintf/format/%/.format. */
    private static String fillVerbs(List<Token> t, int first, int last, String text, Map<String, String> constants) {
        if (!VERB.matcher(text).find()) {
            return text;
        }
        List<String> args = new ArrayList<>();
        int j = last + 1;
        boolean formatCall = first >= 2 && t.get(first - 1).is("(") && (t.get(first - 2).text().endsWith("printf")
                || t.get(first - 2).is("Sprintf") || t.get(first - 2).is("format") || t.get(first - 2).is("Format"));
        if (formatCall && j < t.size() && t.get(j).is(",")) {
            j++;
        } else if (j < t.size() && t.get(j).is("%")) {
            j++;
        } else if (j + 2 < t.size() && t.get(j).is(".") && t.get(j + 1).is("format") && t.get(j + 2).is("(")) {
            j += 3;
        } else {
            return text;
        }
        int depth = 0;
        for (; j < t.size() && j < last + 30; j++) {
            Token x = t.get(j);
            if (x.is("(") || x.is("[")) {
                depth++;
            } else if (x.is(")") || x.is("]")) {
                if (--depth < 0) {
                    break;
                }
            } else if (x.kind() == Token.Kind.STRING) {
                args.add(x.text());
            } else if (x.kind() == Token.Kind.WORD) {
                args.add(constants.get(x.text()));
            } else if (depth <= 0 && (x.is(";") || x.lineStart() && depth == 0)) {
                break;
            }
            if (depth < 0 || args.size() > 8) {
                break;
            }
        }
        Matcher m = Pattern.compile("%[sdv]|\\{}").matcher(text);
        StringBuilder b = new StringBuilder();
        int k = 0;
        while (m.find()) {
            String v = k < args.size() ? args.get(k) : null;
            k++;
            m.appendReplacement(b, Matcher.quoteReplacement(v != null && !m.group().equals("%d") ? v : m.group()));
        }
        m.appendTail(b);
        return b.toString();
    }

    /** Last token of {@code .format(...)} or {@code % arg} after {@code last}; {@code last} for a Sprintf call. */
    private static int operatorArgsEnd(List<Token> t, int last) {
        int j = last + 1;
        if (j + 2 < t.size() && t.get(j).is(".") && t.get(j + 1).is("format") && t.get(j + 2).is("(")) {
            return matchingParen(t, j + 2);
        }
        if (j + 1 < t.size() && t.get(j).is("%")) {
            return t.get(j + 1).is("(") ? matchingParen(t, j + 1) : j + 1;
        }
        return last;
    }

    private static int matchingParen(List<Token> t, int open) {
        int depth = 0;
        for (int k = open; k < t.size(); k++) {
            if (t.get(k).is("(")) {
                depth++;
            } else if (t.get(k).is(")") && --depth == 0) {
                return k;
            }
        }
        return t.size() - 1;
    }

    private static int arrayJoinEnd(List<Token> t, int open) {
        int j = open + 1;
        while (j + 1 < t.size() && t.get(j).kind() == Token.Kind.STRING && (t.get(j + 1).is(",") || t.get(j + 1).is("]"))) {
            j += t.get(j + 1).is("]") ? 1 : 2;
            if (t.get(j).is("]")) {
                break;
            }
        }
        if (j <= open + 1 || !t.get(j).is("]")) {
            return -1;
        }
        boolean postfix = j + 4 < t.size() && t.get(j + 1).is(".") && t.get(j + 2).is("join") && t.get(j + 3).is("(")
                && t.get(j + 4).kind() == Token.Kind.STRING;
        if (postfix) {
            return j + 5 < t.size() && t.get(j + 5).is(")") ? j + 5 : -1;
        }
        boolean prefix = open >= 4 && t.get(open - 1).is("(") && t.get(open - 2).is("join") && t.get(open - 3).is(".")
                && t.get(open - 4).kind() == Token.Kind.STRING;
        return prefix ? j : -1;
    }

    private static String arrayJoin(List<Token> t, int open, int end) {
        List<String> parts = new ArrayList<>();
        String sep = "";
        int j = open + 1;
        for (; j < end && !t.get(j).is("]"); j++) {
            if (t.get(j).kind() == Token.Kind.STRING) {
                parts.add(t.get(j).text());
            }
        }
        if (j + 4 <= end && t.get(j + 2).is("join")) {
            sep = t.get(j + 4).text();
        } else if (open >= 4 && t.get(open - 2).is("join")) {
            sep = t.get(open - 4).text();
        }
        return String.join(sep, parts);
    }

    /** {@code NAME = "literal"} (also {@code :=}, {@code const}, {@code val}, Elixir {@code @name "..."}). */
    private static Map<String, String> constants(List<Token> t) {
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i + 2 < t.size(); i++) {
            Token name = t.get(i);
            if (name.kind() != Token.Kind.WORD) {
                continue;
            }
            int v = t.get(i + 1).is("=") ? i + 2 : t.get(i + 1).is(":") && t.get(i + 2).is("=") ? i + 3
                    : i > 0 && t.get(i - 1).is("@") && t.get(i + 1).kind() == Token.Kind.STRING ? i + 1 : -1;
            if (v < 0 || v >= t.size() || t.get(v).kind() != Token.Kind.STRING) {
                continue;
            }
            boolean ends = v + 1 >= t.size() || t.get(v + 1).is(";") || t.get(v + 1).lineStart() || t.get(v + 1).is(",")
                    || t.get(v + 1).is(")");
            if (!ends) {
                continue;
            }
            String value = t.get(v).text();
            String seen = out.putIfAbsent(name.text(), value);
            if (seen != null && !seen.equals(value)) {
                out.put(name.text(), null); // assigned twice with different values: unknown
            }
        }
        out.values().removeIf(java.util.Objects::isNull);
        return out;
    }
}
