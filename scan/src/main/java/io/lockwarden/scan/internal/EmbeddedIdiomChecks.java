package io.lockwarden.scan.internal;

import io.lockwarden.scan.Rule;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The checks of {@link EmbeddedSqlAnalyzer} for what real projects got wrong with results and loops:
 * unlock and try-lock results that are not read (LW105, LW110), unlocks that cannot run (LW113), session
 * locks stacked by loops and ticks (LW111) and transaction-level locks whose transaction ends before the
 * work (LW112). One instance per file; not thread safe.
 */
final class EmbeddedIdiomChecks {
    private static final Set<String> TICKERS = Set.of("ticker", "Ticker", "Tick", "NewTicker", "setInterval",
            "scheduleAtFixedRate", "scheduleWithFixedDelay", "fixedRateTimer", "every", "interval");
    private static final Pattern ENDS_TX = Pattern.compile("(?is)\\s*(commit|rollback|end)\\s*;?\\s*");

    private final EmbeddedSqlAnalyzer owner;
    private final List<Token> t;
    private final Language lang;
    private final TokenStructure structure;
    private final CallShape shape;
    private final ReceiverKinds receivers;
    private final FileAnalysis out;

    EmbeddedIdiomChecks(EmbeddedSqlAnalyzer owner, List<Token> tokens, Language lang, TokenStructure structure,
                        CallShape shape, ReceiverKinds receivers, FileAnalysis out) {
        this.owner = owner;
        this.t = tokens;
        this.lang = lang;
        this.structure = structure;
        this.shape = shape;
        this.receivers = receivers;
        this.out = out;
    }

    // ------------------------------------------------------------------ LW110 / LW105 / LW113: results

    boolean unlockResultIgnored(EmbeddedSqlAnalyzer.Site s) {
        if (SqlText.precededByWord(s.sql(), s.call().offset(), "perform")) {
            return true;
        }
        if (lang == Language.GO || lang == Language.CSHARP || lang == Language.PHP || lang == Language.RUST) {
            String callee = shape.effectiveCall(s.callee());
            return callee.equals("Exec") || callee.equals("ExecContext") || callee.equals("MustExec")
                    || callee.equals("ExecuteNonQuery") || callee.equals("ExecuteNonQueryAsync")
                    || callee.equals("Execute") || callee.equals("ExecuteAsync") || callee.equals("exec")
                    || lang == Language.RUST && callee.equals("execute");
        }
        return false;
    }

    void tryLockRead(EmbeddedSqlAnalyzer.Site s, int offset, String shown) {
        if (SqlText.precededByWord(s.sql(), s.call().offset(), "perform") || shape.resultDiscarded(s.callee())) {
            out.report(Rule.TRY_LOCK_RESULT_UNREAD, offset, shown + " result is never read: the work runs whether "
                    + "or not this session got the lock.");
            return;
        }
        TokenStructure.Region f = structure.function(s.function());
        for (int j = f.start(); j < f.end() && j + 1 < t.size(); j++) {
            Token x = t.get(j);
            if (x.kind() == Token.Kind.STRING && x.text().equals("t") && (comparison(j - 1) || comparison(j + 1))) {
                out.report(Rule.TRY_LOCK_RESULT_UNREAD, offset, shown + " result is compared with the string \"t\": "
                        + "drivers that return a boolean never match, so the lock is never believed taken (or "
                        + "always, when negated); read it as a boolean.");
                return;
            }
        }
    }

    private boolean comparison(int j) {
        if (j < 1 || j >= t.size()) {
            return false;
        }
        Token x = t.get(j);
        return x.is("=") && (t.get(j - 1).is("=") || t.get(j - 1).is("!")) || x.is("eq") || x.is("equals")
                || x.is("(") && j >= 1 && t.get(j - 1).is("equals") || x.is("=") && j + 1 < t.size() && t.get(j + 1).is("=");
    }

    void unlockCannotRun(EmbeddedSqlAnalyzer.Site s, int offset, String shown, boolean inTx) {
        if (shape.errorSwallowed(s.callee()) || swallowedByHandler(s.token())) {
            out.report(Rule.UNLOCK_CANNOT_RUN, offset, shown + " failure is swallowed: if the unlock fails the "
                    + "lock stays held and nobody hears of it; log or rethrow, and close the connection.");
            return;
        }
        TokenStructure.Region release = releaseAround(s.token());
        if (release == null) {
            return;
        }
        if (lang == Language.GO && s.callee() >= 0 && s.callee() + 2 < t.size() && t.get(s.callee() + 1).is("(")) {
            String ctx = t.get(s.callee() + 2).text();
            if (derivedContext(ctx, s.token())) {
                out.report(Rule.UNLOCK_CANNOT_RUN, offset, shown + " in defer uses " + ctx + ", which has a deadline "
                        + "or is cancelled by then: the unlock fails exactly when the work timed out. Use "
                        + "context.WithoutCancel(" + ctx + ") or a fresh context with its own timeout.");
                return;
            }
        }
        int txWord = lang == Language.PYTHON || lang == Language.RUBY ? owner.txLine(s.token()) : owner.txBlock(s.token());
        if (inTx && txWord >= 0 && txWord < release.start() && !rollsBackBefore(release, s.token())) {
            out.report(Rule.UNLOCK_CANNOT_RUN, offset, shown + " runs in the " + owner.releaseIdiom() + " of a transaction: "
                    + "after an error the transaction is aborted and the unlock fails (\"current transaction is "
                    + "aborted\"). Roll back first, then unlock.");
        }
    }

    private TokenStructure.Region releaseAround(int token) {
        for (TokenStructure.Region r : structure.releases()) {
            if (r.contains(token)) {
                return r;
            }
        }
        return null;
    }

    private boolean rollsBackBefore(TokenStructure.Region release, int token) {
        for (int j = release.start(); j < token; j++) {
            String x = t.get(j).text().toLowerCase(Locale.ROOT);
            if (x.contains("rollback")) {
                return true;
            }
        }
        return false;
    }

    /** {@code ctx, cancel := context.WithTimeout(...)} (or WithDeadline/WithCancel) in a function around the site. */
    private boolean derivedContext(String ctx, int token) {
        TokenStructure.Region f = null;
        for (TokenStructure.Region r : structure.functions()) {
            if (r.contains(token) && (f == null || r.start() < f.start())) {
                f = r; // the outermost: defer func() { ... }() closes over its caller's context
            }
        }
        if (f == null) {
            return false;
        }
        for (int j = f.start(); j + 6 < f.end(); j++) {
            if (t.get(j).is(ctx) && t.get(j + 1).is(",")) {
                boolean derived = false;
                for (int k = j + 2; k < Math.min(f.end(), j + 12) && t.get(k).line() == t.get(j).line(); k++) {
                    String w = t.get(k).text();
                    if (w.equals("WithoutCancel") || w.equals("Background") || w.equals("TODO")) {
                        return false; // a fresh context for the unlock
                    }
                    derived |= w.equals("WithTimeout") || w.equals("WithDeadline") || w.equals("WithCancel");
                }
                if (derived) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Python {@code except ...: pass}, brace-language {@code catch (...) { }} right after the unlock's try. */
    private boolean swallowedByHandler(int token) {
        Token site = t.get(token);
        for (int j = token + 1; j < t.size() && j < token + 40; j++) {
            Token x = t.get(j);
            if (lang == Language.PYTHON && x.is("except") && x.lineStart() && x.indent() < site.indent()) {
                int k = j;
                while (k < t.size() && !t.get(k).is(":")) {
                    k++;
                }
                return k + 1 < t.size() && t.get(k + 1).is("pass");
            }
            if (x.is("catch") && lang != Language.PYTHON) {
                int k = j + 1;
                if (k < t.size() && t.get(k).is("(")) {
                    k = structure.matching(k) + 1;
                }
                return k + 1 < t.size() && t.get(k).is("{") && t.get(k + 1).is("}");
            }
            if (lang == Language.PYTHON && x.lineStart() && x.indent() < site.indent() && !x.is("except")) {
                return false;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ LW111 / LW112

    void reentrant(EmbeddedSqlAnalyzer.Site s, int offset, String shown) {
        TokenStructure.Region loop = structure.loopAround(s.token());
        if (loop == null) {
            return;
        }
        boolean ticker = false;
        boolean exits = false;
        boolean releasedInLoop = false;
        for (int j = loop.start(); j <= loop.end() && j < t.size(); j++) {
            Token x = t.get(j);
            ticker |= x.kind() == Token.Kind.WORD && TICKERS.contains(x.text());
            exits |= j > s.token() && (x.is("break") || x.is("return"));
            if (j > s.token() && EmbeddedSqlAnalyzer.releases(x) && !(lang == Language.GO && inDefer(j))) {
                releasedInLoop = true;
            }
        }
        boolean retryUntilAcquired = !s.call().function().isBlocking() && exits && !ticker;
        if (!releasedInLoop && !retryUntilAcquired && !tracksHeldState(s.token(), loop) && !keyPerPass(s, loop)) {
            out.report(Rule.REENTRANT_SESSION_LOCK, offset, shown + " is taken on every " + (ticker ? "tick" : "pass")
                    + " of this loop without an unlock in the same pass: session locks are counted, so a session "
                    + "that already holds it stacks another hold and one unlock never frees it.");
        }
    }

    /** {@code if !leader { ...Scan(&leader) }}: the session locks again only when it knows it does not hold it. */
    private boolean tracksHeldState(int site, TokenStructure.Region loop) {
        Token at = t.get(site);
        for (int j = site - 1; j > loop.start(); j--) {
            Token x = t.get(j);
            boolean header = x.lineStart() && (x.is("if") || x.is("unless")) && x.line() < at.line()
                    && (lang == Language.PYTHON || lang == Language.RUBY ? x.indent() < at.indent() : encloses(j, site));
            if (!header) {
                continue;
            }
            Set<String> names = new HashSet<>();
            for (int k = j + 1; k < t.size() && t.get(k).line() == x.line(); k++) {
                if (t.get(k).kind() == Token.Kind.WORD && !t.get(k).is("not") && !t.get(k).is("nil")) {
                    names.add(t.get(k).text());
                }
            }
            for (int k = site; k <= loop.end() && k + 1 < t.size(); k++) {
                Token y = t.get(k);
                if (y.kind() == Token.Kind.WORD && names.contains(y.text()) && (k > 0 && t.get(k - 1).is("&")
                        || t.get(k + 1).is("=") && !(k + 2 < t.size() && t.get(k + 2).is("=")))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** {@code for _, k := range keys { lock(k) }}: a key named in the loop header changes every pass. */
    private boolean keyPerPass(EmbeddedSqlAnalyzer.Site s, TokenStructure.Region loop) {
        Set<String> vars = new HashSet<>();
        int line = t.get(loop.start()).line();
        for (int j = loop.start() + 1; j < t.size() && t.get(j).line() == line && !t.get(j).is("{"); j++) {
            if (t.get(j).kind() == Token.Kind.WORD) {
                vars.add(t.get(j).text().toLowerCase(Locale.ROOT));
            }
        }
        for (String k : s.keys()) {
            if (k != null && vars.stream().anyMatch(v -> k.equals(v) || k.matches(".*\\b" + Pattern.quote(v) + "\\b.*"))) {
                return true;
            }
        }
        return false;
    }

    /** The block opened on the line of {@code header} contains {@code token}. */
    private boolean encloses(int header, int token) {
        for (int k = header; k < token && t.get(k).line() == t.get(header).line(); k++) {
            if (t.get(k).is("{")) {
                return structure.matching(k) > token;
            }
        }
        return false;
    }

    private boolean inDefer(int token) {
        for (TokenStructure.Region r : structure.releases()) {
            if (r.contains(token)) {
                return true;
            }
        }
        return false;
    }

    /**
     * An xact lock whose transaction is committed (or rolled back) while the function goes on running SQL:
     * {@code tx.Commit()} or {@code COMMIT} on the lock's handle, then more statements on any handle.
     */
    void workElsewhere(EmbeddedSqlAnalyzer.Site s, int offset, String shown) {
        TokenStructure.Region f = structure.function(s.function());
        int commit = -1;
        for (int j = s.token() + 1; j <= f.end() && j < t.size(); j++) {
            Token x = t.get(j);
            if (commit < 0) {
                boolean call = x.kind() == Token.Kind.WORD && (x.is("Commit") || x.is("commit") || x.is("Rollback")
                        || x.is("rollback")) && j >= 2 && t.get(j - 1).is(".") && t.get(j - 2).text().equals(s.handle())
                        && j + 1 < t.size() && t.get(j + 1).is("(");
                boolean sql = x.kind() == Token.Kind.STRING && ENDS_TX.matcher(x.text()).matches()
                        && Objects.equals(shape.handle(shape.callee(j)), s.handle());
                if (call || sql) {
                    commit = j;
                }
            } else if (x.kind() == Token.Kind.STRING && SqlText.isStatement(x.text()) && shape.callee(j) >= 0) {
                out.report(Rule.XACT_LOCK_ENDS_EARLY, offset, shown + " ends at the commit on line "
                        + t.get(commit).line() + ", but this function runs more SQL after it (line " + x.line()
                        + "): that work is not protected by the lock.");
                return;
            }
        }
    }

}
