package io.lockwarden.scan.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The block structure of a token stream: functions ({@code def}, {@code func}, {@code function}, arrow
 * functions and methods, {@code fun}, {@code fn}, C# methods, Elixir {@code def}/{@code defp}), structured
 * release regions ({@code finally}, {@code ensure}, {@code defer}, Elixir {@code after}, Rust
 * {@code defer!}) and loops. Regions are token index ranges, inclusive. Built once per file; immutable
 * afterwards and not shared between threads.
 */
final class TokenStructure {
    private static final Set<String> JS_CONTROL = Set.of("if", "for", "while", "switch", "catch", "with",
            "return", "function", "typeof", "await", "super", "constructor", "using", "lock", "foreach", "fixed",
            "nameof", "sizeof", "checked", "when", "elseif", "match");
    private static final Set<String> BRACE_LOOPS = Set.of("for", "while", "foreach", "loop", "do", "repeat");

    /** A function: header token, last token, the token that names it. */
    record Region(int start, int end, int name) {
        boolean contains(int token) {
            return start <= token && token <= end;
        }
    }

    private final List<Token> t;
    private final Language lang;
    private final List<Region> functions = new ArrayList<>();
    private final List<Region> releases = new ArrayList<>();
    private final List<Region> loops = new ArrayList<>();

    /** For each token: index of its innermost function, or -1 (computed once; lookups are constant time). */
    private final int[] functionOfToken;

    TokenStructure(List<Token> tokens, Language lang) {
        this.t = tokens;
        this.lang = lang;
        findFunctions();
        findReleases();
        findLoops();
        this.functionOfToken = innermostFunctions();
    }

    /** One sweep with a stack of open functions: the innermost is the open one that started last. */
    private int[] innermostFunctions() {
        int[] of = new int[t.size()];
        java.util.Arrays.fill(of, -1);
        Integer[] order = new Integer[functions.size()];
        for (int k = 0; k < order.length; k++) {
            order[k] = k;
        }
        java.util.Arrays.sort(order, (a, b) -> Integer.compare(functions.get(a).start(), functions.get(b).start()));
        java.util.ArrayDeque<Integer> open = new java.util.ArrayDeque<>();
        int next = 0;
        for (int i = 0; i < of.length; i++) {
            while (next < order.length && functions.get(order[next]).start() <= i) {
                open.push(order[next++]);
            }
            while (!open.isEmpty() && functions.get(open.peek()).end() < i) {
                open.pop();
            }
            // an overlapping (not nested) function below the top may have ended: look past it
            Integer best = null;
            for (Integer k : open) {
                if (functions.get(k).contains(i)) {
                    best = k;
                    break;
                }
            }
            of[i] = best == null ? -1 : best;
        }
        return of;
    }

    List<Region> functions() {
        return functions;
    }

    List<Region> releases() {
        return releases;
    }

    /** Index of the innermost function containing {@code token}, or -1 at file level. */
    int functionOf(int token) {
        return token >= 0 && token < functionOfToken.length ? functionOfToken[token] : -1;
    }

    /** The function's name ("" at file level). */
    String functionName(int function) {
        return function < 0 ? "" : t.get(functions.get(function).name()).text();
    }

    /** The function's token range; the whole file for -1. */
    Region function(int function) {
        return function < 0 ? new Region(0, t.size() - 1, 0) : functions.get(function);
    }

    /**
     * The innermost loop around {@code token} inside the same function, or around the whole function (a
     * callback run by the loop: {@code setInterval(async () => ...)}); null when there is none.
     */
    Region loopAround(int token) {
        int fn = functionOf(token);
        Region own = function(fn);
        Region best = null;
        for (Region l : loops) {
            boolean sameOrCallback = functionOf(l.start()) == fn || fn >= 0 && l.start() < own.start() && own.end() <= l.end();
            if (l.contains(token) && sameOrCallback && (best == null || l.start() > best.start())) {
                best = l;
            }
        }
        return best;
    }

    /** Index of the bracket closing the one at {@code open}; the last token when unbalanced. */
    int matching(int open) {
        String o = t.get(open).text();
        String c = o.equals("(") ? ")" : o.equals("{") ? "}" : "]";
        int depth = 0;
        for (int j = open; j < t.size(); j++) {
            Token tok = t.get(j);
            if (tok.kind() == Token.Kind.PUNCT) {
                if (tok.text().equals(o)) {
                    depth++;
                } else if (tok.text().equals(c) && --depth == 0) {
                    return j;
                }
            }
        }
        return t.size() - 1;
    }

    /** Index of the innermost unclosed {@code (} before {@code token} (within 60 tokens), or -1. */
    int openParenBefore(int token) {
        int depth = 0;
        for (int j = token - 1; j >= 0 && j > token - 60; j--) {
            if (t.get(j).is(")")) {
                depth++;
            } else if (t.get(j).is("(")) {
                if (depth-- == 0) {
                    return j;
                }
            }
        }
        return -1;
    }

    private boolean indentLanguage() {
        return lang == Language.PYTHON || lang == Language.RUBY || lang == Language.ELIXIR;
    }

    private void findFunctions() {
        for (int i = 0; i < t.size(); i++) {
            Token tok = t.get(i);
            if (tok.kind() == Token.Kind.STRING) {
                continue;
            }
            switch (lang) {
                case PYTHON, RUBY, ELIXIR -> {
                    if ((tok.is("def") || lang == Language.ELIXIR && tok.is("defp")) && tok.lineStart()) {
                        functions.add(new Region(i, indentEnd(i, lang != Language.PYTHON), i + 1));
                    }
                }
                case GO, KOTLIN, RUST -> {
                    if (tok.is(lang == Language.GO ? "func" : lang == Language.RUST ? "fn" : "fun")) {
                        addBraceFunction(i, nameAfter(i));
                    }
                }
                case PHP -> {
                    if (tok.is("function")) {
                        addBraceFunction(i, nameAfter(i));
                    }
                }
                case JAVASCRIPT, CSHARP -> {
                    if (tok.is("function")) {
                        addBraceFunction(i, nameAfter(i));
                    } else if (tok.is("=") && i + 1 < t.size() && t.get(i + 1).is(">")
                            && i + 2 < t.size() && t.get(i + 2).is("{")) {
                        addBraceFunction(i, i);
                    } else if (tok.kind() == Token.Kind.WORD && !JS_CONTROL.contains(tok.text())
                            && i + 1 < t.size() && t.get(i + 1).is("(")) {
                        int close = matching(i + 1);
                        int j = close + 1;
                        while (j < t.size() && !t.get(j).is("{") && !t.get(j).is(";") && !t.get(j).is("}")
                                && j - close < 8) {
                            j++;
                        }
                        if (j < t.size() && t.get(j).is("{") && (j == close + 1 || t.get(close + 1).is(":"))) {
                            functions.add(new Region(i, matching(j), i));
                        }
                    }
                }
                default -> {
                }
            }
        }
    }

    private int nameAfter(int i) {
        if (i + 1 < t.size() && t.get(i + 1).is("(")) {
            int c = matching(i + 1);
            boolean method = lang == Language.GO && c + 2 < t.size() && t.get(c + 1).kind() == Token.Kind.WORD
                    && t.get(c + 2).is("(");
            return method ? c + 1 : i; // Go method receiver, or an anonymous function literal
        }
        for (int j = i + 1; j < Math.min(t.size(), i + 8); j++) {
            if (t.get(j).kind() == Token.Kind.WORD && !t.get(j).is("async")) {
                return j;
            }
            if (t.get(j).is("(") && j > i + 1) {
                int c = matching(j);
                if (c + 1 < t.size() && t.get(c + 1).kind() == Token.Kind.WORD) {
                    return c + 1; // Go method: func (r *T) Name(
                }
            }
        }
        return i;
    }

    private void addBraceFunction(int header, int name) {
        int j = header + 1;
        int depth = 0;
        while (j < t.size()) {
            Token tok = t.get(j);
            if (tok.is("(") || tok.is("[")) {
                depth++;
            } else if (tok.is(")") || tok.is("]")) {
                if (--depth < 0) {
                    return; // a function type inside a signature (func() error), not a function
                }
            } else if (tok.is("{") && depth <= 0) {
                break;
            } else if (tok.is(";") && depth <= 0 && (lang == Language.RUST || lang == Language.PHP)) {
                return; // a declaration without a body (trait or interface method)
            } else if (tok.is("=") && depth <= 0 && lang == Language.KOTLIN && !(j + 1 < t.size() && t.get(j + 1).is(">"))) {
                break; // expression-bodied Kotlin function
            }
            j++;
        }
        int end = j < t.size() && t.get(j).is("{") ? matching(j) : Math.min(t.size() - 1, j + 1);
        functions.add(new Region(header, end, name));
    }

    /** End token (inclusive) of an indentation block that starts at the line of token {@code i}. */
    int indentEnd(int i, boolean endKeyword) {
        int col = t.get(i).indent();
        int line = t.get(i).line();
        int j = i + 1;
        while (j < t.size()) {
            Token tok = t.get(j);
            if (tok.lineStart() && tok.line() > line && tok.indent() <= col) {
                if (endKeyword && (tok.is("end") || tok.is("ensure") || tok.is("rescue") || tok.is("else")
                        || tok.is("elsif") || tok.is("when") || tok.is("after") || tok.is("catch"))) {
                    if (tok.is("end")) {
                        return j;
                    }
                } else if (!(lang == Language.PYTHON && (tok.is(")") || tok.is("]") || tok.is("}")))) {
                    return j - 1;
                }
            }
            j++;
        }
        return t.size() - 1;
    }

    private void findReleases() {
        for (int i = 0; i < t.size(); i++) {
            Token tok = t.get(i);
            if (tok.kind() == Token.Kind.STRING) {
                continue;
            }
            if ((lang == Language.PYTHON && tok.is("finally")) || (lang == Language.RUBY && tok.is("ensure"))
                    || (lang == Language.ELIXIR && tok.is("after") && tok.lineStart())) {
                releases.add(new Region(i, indentEnd(i, lang != Language.PYTHON), i));
            } else if ((lang == Language.JAVASCRIPT || lang == Language.KOTLIN || lang == Language.CSHARP
                    || lang == Language.PHP) && tok.is("finally") && i + 1 < t.size() && t.get(i + 1).is("{")) {
                releases.add(new Region(i, matching(i + 1), i));
            } else if (lang == Language.RUST && tok.is("defer") && i + 2 < t.size() && t.get(i + 1).is("!")
                    && (t.get(i + 2).is("{") || t.get(i + 2).is("("))) {
                releases.add(new Region(i, matching(i + 2), i));
            } else if (lang == Language.GO && tok.is("defer")) {
                int j = i + 1;
                int line = tok.line();
                while (j < t.size() && (t.get(j).line() == line || j > i + 1 && !t.get(j).lineStart())) {
                    if (t.get(j).is("{") || t.get(j).is("(")) {
                        j = matching(j);
                        line = t.get(j).line();
                    }
                    j++;
                }
                releases.add(new Region(i, j - 1, i));
            }
        }
    }

    private void findLoops() {
        for (int i = 0; i < t.size(); i++) {
            Token tok = t.get(i);
            if (tok.kind() != Token.Kind.WORD) {
                continue;
            }
            if (lang == Language.PYTHON || lang == Language.RUBY) {
                if (tok.lineStart() && (tok.is("for") || tok.is("while") || tok.is("until") || tok.is("loop"))) {
                    loops.add(new Region(i, indentEnd(i, lang == Language.RUBY), i));
                }
            } else if (!indentLanguage()) {
                if (BRACE_LOOPS.contains(tok.text())) {
                    int j = i + 1;
                    int depth = 0;
                    while (j < t.size() && j < i + 60) {
                        Token x = t.get(j);
                        if (x.is("(") || x.is("[")) {
                            depth++;
                        } else if (x.is(")") || x.is("]")) {
                            depth--;
                        } else if (depth == 0 && (x.is(";") || x.is("}"))) {
                            break;
                        } else if (depth == 0 && x.is("{")) {
                            loops.add(new Region(i, matching(j), i));
                            break;
                        }
                        j++;
                    }
                } else if ((tok.is("setInterval") || tok.is("scheduleAtFixedRate") || tok.is("scheduleWithFixedDelay")
                        || tok.is("fixedRateTimer")) && i + 1 < t.size() && t.get(i + 1).is("(")) {
                    loops.add(new Region(i, matching(i + 1), i));
                }
            }
        }
    }
}
