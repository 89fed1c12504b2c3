package io.lockwarden.scan.internal;

import io.lockwarden.scan.Rule;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * SQL embedded in string literals of Python, Ruby, Go, JavaScript/TypeScript and Kotlin, on top of
 * {@link SourceTokenizer}. Functions are found per language ({@code def}, {@code func}, {@code function},
 * arrow functions and methods, {@code fun}); a session lock is guarded when the same function has a
 * structured release that contains an unlock: {@code finally} (Python, JS/TS, Kotlin), {@code ensure}
 * (Ruby), {@code defer} (Go), or a {@code with}/{@code use} handle whose {@code __exit__}/{@code close}
 * unlocks. One instance per file; not thread safe.
 */
public final class EmbeddedSqlAnalyzer {
    private static final Set<String> JS_CONTROL = Set.of("if", "for", "while", "switch", "catch", "with",
            "return", "function", "typeof", "await", "super", "constructor");
    private static final Set<String> TX_WORDS = Set.of("transaction", "atomic", "withTransaction",
            "inTransaction", "transact", "newSuspendedTransaction", "begin_transaction");
    private static final Pattern RELEASE_WORD = Pattern.compile("(?i).*(unlock|release).*");
    private static final Pattern LOCK_FUNCTION = Pattern.compile("(?i).*(lock|acquire|enter|open|init|constructor|new).*");
    private static final Set<String> CLOSERS = Set.of("close", "Close", "__exit__", "__aexit__", "dispose",
            "release", "unlock", "Unlock", "Release");

    private final SourceFile file;
    private final List<Token> t;
    private final FileAnalysis out;
    private final Language lang;
    private final List<int[]> functions = new ArrayList<>(); // {startToken, endToken, nameToken}
    private final List<int[]> releases = new ArrayList<>();  // {keywordToken, endToken}

    private record Site(int token, SqlLockCall call, String sql, List<String> keys, int function) {
    }

    private EmbeddedSqlAnalyzer(SourceFile file, List<Token> tokens, FileAnalysis out) {
        this.file = file;
        this.t = tokens;
        this.out = out;
        this.lang = file.language();
    }

    /** Runs the rules on one file. */
    public static void analyze(SourceFile f, FileAnalysis out) {
        new EmbeddedSqlAnalyzer(f, SourceTokenizer.tokenize(f), out).run();
    }

    private void run() {
        findFunctions();
        findReleases();
        List<Site> sites = new ArrayList<>();
        for (int i = 0; i < t.size(); i++) {
            Token tok = t.get(i);
            if (tok.kind() != Token.Kind.STRING || !SqlText.mentionsAdvisory(tok.text())) {
                continue;
            }
            if (lang == Language.PYTHON && tok.lineStart() && (i + 1 == t.size() || t.get(i + 1).lineStart())) {
                continue; // a docstring or bare string statement: documentation, not a query
            }
            List<String> callArgs = argsAfter(i);
            int positional = 0;
            for (SqlLockCall call : SqlText.lockCalls(tok.text())) {
                List<String> keys = new ArrayList<>();
                for (String a : call.args()) {
                    if (!SqlText.isPlaceholder(a)) {
                        keys.add(a);
                    } else {
                        int idx = a.startsWith("$") && a.length() > 1 && Character.isDigit(a.charAt(1))
                                ? Integer.parseInt(a.substring(1)) - 1 : positional++;
                        keys.add(a.startsWith(":") || a.startsWith("%(") || idx >= callArgs.size()
                                ? null : callArgs.get(idx));
                    }
                }
                sites.add(new Site(i, call, tok.text(), keys, functionOf(i)));
            }
        }
        Set<Integer> scopes = new HashSet<>();
        for (Site s : sites) {
            scopes.add(s.function());
        }
        for (int scope : scopes) {
            List<Site> inScope = sites.stream().filter(s -> s.function() == scope).toList();
            analyzeScope(scope, inScope);
        }
    }

    private void analyzeScope(int scope, List<Site> sites) {
        boolean timeout = timeoutIn(scope);
        Set<String> locked = new HashSet<>();
        Set<String> lockedAnyMode = new HashSet<>();
        boolean allKnown = true;
        for (Site s : sites) {
            if (s.call().function().isLock()) {
                if (s.keys().contains(null)) {
                    allKnown = false;
                } else {
                    locked.add(s.call().function().isShared() + "|" + String.join(",", s.keys()));
                    lockedAnyMode.add(String.join(",", s.keys()));
                }
            }
        }
        for (Site s : sites) {
            LockFunction fn = s.call().function();
            int offset = t.get(s.token()).start();
            String shown = fn.sqlName() + "(" + String.join(", ", s.call().args()) + ")";
            if (fn.isSessionLock()) {
                out.markSessionLock();
                if (!guarded(s)) {
                    out.report(Rule.SESSION_LOCK_WITHOUT_RELEASE, offset, shown + " is not released in a "
                            + releaseIdiom() + ": an exception before the unlock leaves the lock held.");
                }
                if (inTransaction(s)) {
                    out.report(Rule.SESSION_LOCK_IN_TRANSACTION, offset, shown + " is taken inside a transaction: "
                            + "it survives COMMIT/ROLLBACK; use the _xact_ variant.");
                }
            }
            if (fn.isBlocking() && !timeout) {
                out.report(Rule.BLOCKING_LOCK_WITHOUT_TIMEOUT, offset, shown + " waits without lock_timeout: "
                        + "a stuck holder blocks this caller forever.");
            }
            if (fn.isUnlock() && resultIgnored(s)) {
                out.report(Rule.UNLOCK_RESULT_IGNORED, offset, shown + " result is ignored: a false "
                        + "(lock not held) goes unnoticed.");
            }
            if (fn.isLock() || fn.isUnlock() && !lockedAnyMode.contains(String.join(",", s.keys()))) {
                for (String k : s.keys()) {
                    if (k != null && SqlText.looksRandom(k)) {
                        out.report(Rule.RANDOM_LITERAL_KEY, offset, "key " + k + " in " + fn.sqlName()
                                + " is a random-looking literal: use a named key.");
                    }
                }
            }
            if (fn.isUnlock() && !s.keys().contains(null) && allKnown && !locked.isEmpty()) {
                String key = String.join(",", s.keys());
                if (!locked.contains(fn.isShared() + "|" + key)) {
                    out.report(Rule.MISMATCHED_UNLOCK, offset, shown + " does not match the lock taken here ("
                            + String.join(" and ", lockedAnyMode) + ").");
                }
            }
        }
    }

    private String releaseIdiom() {
        return switch (lang) {
            case RUBY -> "ensure block";
            case GO -> "defer";
            case PYTHON -> "finally block or context manager";
            default -> "finally block";
        };
    }

    // ------------------------------------------------------------------ structure

    private void findFunctions() {
        for (int i = 0; i < t.size(); i++) {
            Token tok = t.get(i);
            if (tok.kind() == Token.Kind.STRING) {
                continue;
            }
            switch (lang) {
                case PYTHON, RUBY -> {
                    if (tok.is("def") && tok.lineStart()) {
                        functions.add(new int[] {i, indentEnd(i, lang == Language.RUBY), i + 1});
                    }
                }
                case GO, KOTLIN -> {
                    if (tok.is(lang == Language.GO ? "func" : "fun")) {
                        addBraceFunction(i, nameAfter(i));
                    }
                }
                case JAVASCRIPT -> {
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
                            functions.add(new int[] {i, matching(j), i});
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
            } else if (tok.is("=") && depth <= 0 && lang == Language.KOTLIN && !(j + 1 < t.size() && t.get(j + 1).is(">"))) {
                break; // expression-bodied Kotlin function
            }
            j++;
        }
        int end = j < t.size() && t.get(j).is("{") ? matching(j) : Math.min(t.size() - 1, j + 1);
        functions.add(new int[] {header, end, name});
    }

    /** End token (inclusive) of an indentation block that starts at the line of token {@code i}. */
    private int indentEnd(int i, boolean rubyEnd) {
        int col = t.get(i).indent();
        int line = t.get(i).line();
        int j = i + 1;
        while (j < t.size()) {
            Token tok = t.get(j);
            if (tok.lineStart() && tok.line() > line && tok.indent() <= col) {
                if (rubyEnd && (tok.is("end") || tok.is("ensure") || tok.is("rescue") || tok.is("else")
                        || tok.is("elsif") || tok.is("when"))) {
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

    private int matching(int open) {
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

    private void findReleases() {
        for (int i = 0; i < t.size(); i++) {
            Token tok = t.get(i);
            if (tok.kind() == Token.Kind.STRING) {
                continue;
            }
            if ((lang == Language.PYTHON && tok.is("finally")) || (lang == Language.RUBY && tok.is("ensure"))) {
                releases.add(new int[] {i, indentEnd(i, lang == Language.RUBY)});
            } else if ((lang == Language.JAVASCRIPT || lang == Language.KOTLIN) && tok.is("finally")
                    && i + 1 < t.size() && t.get(i + 1).is("{")) {
                releases.add(new int[] {i, matching(i + 1)});
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
                releases.add(new int[] {i, j - 1});
            }
        }
    }

    private int functionOf(int token) {
        int best = -1;
        for (int k = 0; k < functions.size(); k++) {
            int[] f = functions.get(k);
            if (f[0] <= token && token <= f[1] && (best < 0 || f[0] >= functions.get(best)[0])) {
                best = k;
            }
        }
        return best;
    }

    private String functionName(int function) {
        return function < 0 ? "" : t.get(functions.get(function)[2]).text();
    }

    private boolean regionReleases(int from, int to) {
        for (int j = from; j <= to && j < t.size(); j++) {
            Token tok = t.get(j);
            if (tok.kind() == Token.Kind.STRING) {
                if (SqlText.mentionsAdvisory(tok.text())
                        && SqlText.lockCalls(tok.text()).stream().anyMatch(c -> c.function().isRelease())) {
                    return true;
                }
            } else if (tok.kind() == Token.Kind.WORD && RELEASE_WORD.matcher(tok.text()).matches()) {
                return true;
            }
        }
        return false;
    }

    private boolean guarded(Site s) {
        for (int[] r : releases) {
            if (r[0] > s.token() && ownerFunction(r[0]) == s.function() && regionReleases(r[0], r[1])) {
                return true;
            }
        }
        if (LOCK_FUNCTION.matcher(functionName(s.function())).matches()) {
            int[] own = s.function() < 0 ? null : functions.get(s.function());
            for (int k = 0; k < functions.size(); k++) {
                int[] f = functions.get(k);
                if (k == s.function() || !regionReleases(f[0], f[1])) {
                    continue;
                }
                String name = t.get(f[2]).text();
                if (CLOSERS.contains(name) || RELEASE_WORD.matcher(name).matches()) {
                    return true; // a lock primitive with its release function, or a handle whose close/__exit__ releases
                }
                if (own != null && f[0] > own[0] && f[1] <= own[1] && (f[0] > s.token() || f[1] < s.token())) {
                    return true; // returns a release closure: func() { ... unlock ... } / () => unlock
                }
            }
        }
        return false;
    }

    /** The function that a release keyword belongs to: Go's {@code defer func(){...}()} counts for its caller. */
    private int ownerFunction(int token) {
        return functionOf(token);
    }

    private boolean inTransaction(Site s) {
        Token site = t.get(s.token());
        // a bracket region opened right after a transaction word: tx.transaction(async (trx) => { ... })
        int depthBraces = 0;
        for (int j = s.token() - 1; j >= 0; j--) {
            Token tok = t.get(j);
            if (tok.kind() != Token.Kind.PUNCT) {
                if (lang == Language.PYTHON || lang == Language.RUBY) {
                    if (tok.lineStart() && tok.indent() < site.indent() && lineHasTxWord(j)
                            && (tok.is("with") || tok.is("async") || lineHasWord(j, "do"))) {
                        return true;
                    }
                }
                continue;
            }
            if (tok.is("}") || tok.is(")")) {
                depthBraces++;
            } else if (tok.is("{") || tok.is("(")) {
                if (depthBraces > 0) {
                    depthBraces--;
                } else {
                    for (int k = j - 1; k >= Math.max(0, j - 12); k--) {
                        if (t.get(k).kind() == Token.Kind.WORD && TX_WORDS.contains(t.get(k).text())) {
                            return true;
                        }
                        if (t.get(k).is(";") || t.get(k).is("{") || t.get(k).is("}")) {
                            break;
                        }
                    }
                }
            }
        }
        if (lang == Language.GO) {
            int open = openParenBefore(s.token());
            if (open >= 3 && t.get(open - 2).is(".")) {
                String recv = t.get(open - 3).text();
                return recv.equals("tx") || recv.equals("txn");
            }
        }
        return false;
    }

    private boolean lineHasTxWord(int token) {
        int line = t.get(token).line();
        for (int j = token; j < t.size() && t.get(j).line() == line; j++) {
            if (TX_WORDS.contains(t.get(j).text()) && t.get(j).kind() == Token.Kind.WORD) {
                return true;
            }
        }
        return false;
    }

    private boolean lineHasWord(int token, String word) {
        int line = t.get(token).line();
        for (int j = token; j < t.size() && t.get(j).line() == line; j++) {
            if (t.get(j).is(word)) {
                return true;
            }
        }
        return false;
    }

    private boolean timeoutIn(int function) {
        int from = function < 0 ? 0 : functions.get(function)[0];
        int to = function < 0 ? t.size() - 1 : functions.get(function)[1];
        for (int j = from; j <= to; j++) {
            Token tok = t.get(j);
            if (tok.kind() == Token.Kind.STRING && SqlText.setsTimeout(tok.text())
                    || tok.kind() == Token.Kind.WORD && tok.text().toLowerCase(Locale.ROOT).contains("locktimeout")) {
                return true;
            }
        }
        return false;
    }

    private boolean resultIgnored(Site s) {
        String before = s.sql().substring(0, s.call().offset()).stripTrailing().toLowerCase(Locale.ROOT);
        if (before.endsWith("perform")) {
            return true;
        }
        if (lang == Language.GO) {
            int open = openParenBefore(s.token());
            String callee = open > 0 ? t.get(open - 1).text() : "";
            return callee.equals("Exec") || callee.equals("ExecContext") || callee.equals("MustExec");
        }
        return false;
    }

    private int openParenBefore(int token) {
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

    /** Simple arguments following a string literal inside the same call: identifiers and numbers. */
    private List<String> argsAfter(int stringToken) {
        List<String> args = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        int depth = 0;
        for (int j = stringToken + 1; j < t.size() && j < stringToken + 40; j++) {
            Token tok = t.get(j);
            if (tok.is("(") || tok.is("[") || tok.is("{")) {
                depth++;
                continue;
            }
            if (tok.is(")") || tok.is("]") || tok.is("}")) {
                if (--depth < 0) {
                    break;
                }
                continue;
            }
            if (tok.is(",")) {
                if (cur.length() > 0) {
                    args.add(cur.toString());
                }
                cur.setLength(0);
                continue;
            }
            if (tok.kind() == Token.Kind.STRING) {
                if (depth == 0 && cur.length() == 0 && j == stringToken + 1) {
                    break;
                }
                continue;
            }
            if (tok.is("&") || tok.is("*")) {
                continue;
            }
            cur.append(tok.text().toLowerCase(Locale.ROOT));
        }
        if (cur.length() > 0) {
            args.add(cur.toString());
        }
        if (!args.isEmpty() && args.get(0).equals("ctx")) {
            args.remove(0);
        }
        return args;
    }
}
