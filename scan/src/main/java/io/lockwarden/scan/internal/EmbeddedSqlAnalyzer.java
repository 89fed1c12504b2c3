package io.lockwarden.scan.internal;

import io.lockwarden.scan.Rule;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * SQL embedded in string literals of Python, Ruby, Go, JavaScript/TypeScript, Kotlin, C#, PHP, Rust and
 * Elixir, on top of {@link SourceTokenizer} (comments and each language's strings), {@link StringFolding}
 * (SQL built from pieces), {@link TokenStructure} (functions, release regions, loops), {@link CallShape}
 * (how the carrying call is used) and {@link ReceiverKinds} (pool or pinned connection). A session lock is
 * guarded when the same function has a structured release that contains an unlock; lock and unlock must
 * go through one pinned session. One instance per file; not thread safe.
 */
public final class EmbeddedSqlAnalyzer {
    private static final Set<String> TX_WORDS = Set.of("transaction", "atomic", "withTransaction",
            "inTransaction", "transact", "newSuspendedTransaction", "begin_transaction", "Transaction",
            "TransactionScope", "transactionAsync");
    private static final Set<String> TX_HANDLES = Set.of("tx", "txn", "trx", "transaction");
    private static final Set<String> PINNING = Set.of("checkout", "synchronize", "with_connection", "acquire",
            "getConnection", "connection", "Conn");
    private static final Set<String> PINNING_BLOCKS = Set.of("synchronize", "with_connection", "checkout");
    private static final Pattern RELEASE_WORD = Pattern.compile("(?i).*(unlock|release).*");
    private static final Pattern LOCK_FUNCTION = Pattern.compile("(?i).*(lock|acquire|enter|open|init|constructor|new).*");
    private static final Set<String> CLOSERS = Set.of("close", "Close", "__exit__", "__aexit__", "dispose",
            "release", "unlock", "Unlock", "Release", "Dispose", "DisposeAsync", "drop");
    private static final Pattern INVOKERS = Pattern.compile("(?i).*(function|call|routine|invoke|exec|lock|query|select|fn).*");

    private final List<Token> t;
    private final FileAnalysis out;
    private final Language lang;
    private final TokenStructure structure;
    private final CallShape shape;
    private final ReceiverKinds receivers;
    private final boolean concurrentDdl;
    private final EmbeddedIdiomChecks idioms;

    record Site(int token, SqlLockCall call, String sql, List<String> keys, int function, int callee,
                        String handle, ReceiverKinds.Kind kind) {
        String keyText() {
            return String.join(",", keys);
        }
    }

    /** How many enclosing brackets or indentation levels a site's context is searched through. */
    private static final int MAX_NESTING = 256;
    /** How many earlier session locks of a scope an unlock is compared with. */
    private static final int MAX_LOCKS_COMPARED = 64;

    /** For each token: the innermost {@code (} or {@code {} still open before it, or -1. */
    private final int[] enclosingOpen;
    /** For each token: the first token of its line. */
    private final int[] lineStartOf;
    /** For each line-start token: the nearest earlier line-start token indented less, or -1. */
    private final int[] parentLine;
    private final Map<Integer, Boolean> lineTxWord = new java.util.HashMap<>();
    private final Map<String, Boolean> lineWord = new java.util.HashMap<>();
    private final Map<Long, Boolean> releasingRegion = new java.util.HashMap<>();
    private final Map<Integer, int[]> releaseSpanByFunction = new java.util.HashMap<>();
    private final Map<Integer, int[]> releasingClosuresByFunction = new java.util.HashMap<>();
    private final Map<String, Integer> lastReturnOfHandle = new java.util.HashMap<>();
    private final Map<Integer, Boolean> timeoutByFunction = new java.util.HashMap<>();
    private final Map<Integer, Boolean> concurrentDdlByFunction = new java.util.HashMap<>();
    private List<Integer> namedReleasers;

    private EmbeddedSqlAnalyzer(SourceFile file, List<Token> tokens, FileAnalysis out) {
        this.t = tokens;
        int n = tokens.size();
        this.enclosingOpen = new int[n];
        this.lineStartOf = new int[n];
        this.parentLine = new int[n];
        int[] opens = new int[16];
        int depth = 0;
        int[] lines = new int[16];
        int lineDepth = 0;
        int lineStart = 0;
        for (int i = 0; i < n; i++) {
            Token tok = tokens.get(i);
            enclosingOpen[i] = depth == 0 ? -1 : opens[depth - 1];
            if (i == 0 || tok.lineStart() || tok.line() != tokens.get(i - 1).line()) {
                lineStart = i;
                while (lineDepth > 0 && tokens.get(lines[lineDepth - 1]).indent() >= tok.indent()) {
                    lineDepth--;
                }
                parentLine[i] = lineDepth == 0 ? -1 : lines[lineDepth - 1];
                if (lineDepth == lines.length) {
                    lines = java.util.Arrays.copyOf(lines, lineDepth * 2);
                }
                lines[lineDepth++] = i;
            } else {
                parentLine[i] = -1;
            }
            lineStartOf[i] = lineStart;
            if (tok.kind() == Token.Kind.PUNCT) {
                if (tok.is("(") || tok.is("{")) {
                    if (depth == opens.length) {
                        opens = java.util.Arrays.copyOf(opens, depth * 2);
                    }
                    opens[depth++] = i;
                } else if ((tok.is(")") || tok.is("}")) && depth > 0) {
                    depth--;
                }
            }
        }
        this.out = out;
        this.lang = file.language();
        this.structure = new TokenStructure(tokens, lang);
        this.shape = new CallShape(tokens, lang, structure);
        this.receivers = new ReceiverKinds(tokens, structure);
        this.idioms = new EmbeddedIdiomChecks(this, tokens, lang, structure, shape, receivers, out);
        this.concurrentDdl = tokens.stream().anyMatch(x -> x.kind() == Token.Kind.STRING
                && SqlText.runsConcurrentDdl(x.text()));
    }

    /** Runs the rules on one file. */
    public static void analyze(SourceFile f, FileAnalysis out) {
        List<Token> tokens = SourceTokenizer.tokenize(f);
        new EmbeddedSqlAnalyzer(f, StringFolding.fold(tokens, f.language()), out).run();
    }

    private void run() {
        List<Site> sites = new ArrayList<>();
        for (int i = 0; i < t.size(); i++) {
            Token tok = t.get(i);
            if (tok.kind() == Token.Kind.WORD) {
                LockFunction named = namedFunction(i);
                if (named != null) {
                    sites.add(site(i, new SqlLockCall(named, List.of("?"), 0), "", List.of()));
                }
                continue;
            }
            if (tok.kind() != Token.Kind.STRING || !SqlText.mentionsAdvisory(tok.text())) {
                continue;
            }
            if (lang == Language.PYTHON && tok.lineStart() && (i + 1 == t.size() || t.get(i + 1).lineStart())) {
                continue; // a docstring or bare string statement: documentation, not a query
            }
            List<String> callArgs = argsAfter(i);
            LockFunction bare = LockFunction.byBareName(tok.text());
            if (bare != null && i > 1 && t.get(i - 1).is("(") && t.get(i + 1 < t.size() ? i + 1 : i).is(",")
                    && INVOKERS.matcher(t.get(i - 2).text()).matches()) {
                // the function's name passed to a helper: fn('pg_advisory_lock', key)
                sites.add(site(i, new SqlLockCall(bare, List.of("?"), 0), "", callArgs));
                continue;
            }
            if (bare != null) {
                continue; // a constant holding the name; its uses are folded into the SQL
            }
            for (SqlLockCall call : SqlText.lockCalls(tok.text())) {
                sites.add(site(i, call, tok.text(), callArgs));
            }
        }
        Map<Integer, List<Site>> byScope = new LinkedHashMap<>();
        for (Site s : sites) {
            byScope.computeIfAbsent(s.function(), k -> new ArrayList<>()).add(s);
        }
        byScope.values().forEach(this::analyzeScope);
    }

    /** SQLAlchemy {@code func.pg_try_advisory_lock(k)}, Sequel {@code :pg_advisory_lock}: a lock call in code. */
    private LockFunction namedFunction(int i) {
        Token tok = t.get(i);
        if (!tok.text().startsWith("pg_") || i == 0) {
            return null;
        }
        LockFunction f = LockFunction.bySqlName(tok.text());
        if (f == null) {
            return null;
        }
        Token prev = t.get(i - 1);
        boolean sqlAlchemy = prev.is(".") && i >= 2 && t.get(i - 2).is("func");
        boolean symbol = lang == Language.RUBY && prev.is(":") && !(i >= 2 && t.get(i - 2).is(":"));
        return sqlAlchemy || symbol ? f : null;
    }

    private Site site(int token, SqlLockCall call, String sql, List<String> callArgs) {
        List<String> keys = new ArrayList<>();
        int positional = 0;
        for (String a : call.args()) {
            if (!SqlText.isPlaceholder(a)) {
                keys.add(a);
            } else {
                int idx = a.startsWith("$") && a.length() > 1 && Character.isDigit(a.charAt(1))
                        ? Integer.parseInt(a.substring(1)) - 1 : positional++;
                keys.add(a.startsWith(":") || a.startsWith("%(") || idx >= callArgs.size() ? null : callArgs.get(idx));
            }
        }
        int callee = shape.callee(token);
        String handle = shape.handle(callee);
        return new Site(token, call, sql, keys, structure.functionOf(token), callee, handle, kindOf(token, handle));
    }

    private ReceiverKinds.Kind kindOf(int token, String handle) {
        if (lang == Language.ELIXIR && handle != null && handle.endsWith("Repo")) {
            return pinnedByBlock(token) ? ReceiverKinds.Kind.CONNECTION : ReceiverKinds.Kind.POOL;
        }
        if (handle != null && TX_HANDLES.contains(handle)) {
            return ReceiverKinds.Kind.TRANSACTION;
        }
        ReceiverKinds.Kind k = receivers.of(handle, token);
        return k == ReceiverKinds.Kind.POOL && pinnedByIndent(token) ? ReceiverKinds.Kind.CONNECTION : k;
    }

    /** Python/Ruby: inside {@code DB.synchronize do}, {@code with pool.connection():}, {@code with_connection do}. */
    private boolean pinnedByIndent(int token) {
        if (lang != Language.RUBY && lang != Language.PYTHON) {
            return false;
        }
        int fnStart = structure.function(structure.functionOf(token)).start();
        int j = lineStartOf[token] == token ? parentLine[token] : enclosingLine(token);
        for (int hops = 0; j >= fnStart && j >= 0 && hops < MAX_NESTING; hops++, j = parentLine[j]) {
            for (String w : PINNING_BLOCKS) {
                if (lineHasWord(j, w)) {
                    return true;
                }
            }
        }
        return false;
    }

    private void analyzeScope(List<Site> sites) {
        boolean timeout = timeoutIn(sites.get(0).function());
        Set<String> locked = new HashSet<>();
        Set<String> lockedAnyMode = new HashSet<>();
        boolean allKnown = true;
        for (Site s : sites) {
            if (s.call().function().isLock()) {
                if (s.keys().contains(null)) {
                    allKnown = false;
                } else {
                    locked.add(s.call().function().isShared() + "|" + s.keyText());
                    lockedAnyMode.add(s.keyText());
                }
            }
        }
        for (Site s : sites) {
            LockFunction fn = s.call().function();
            int offset = t.get(s.token()).start();
            String shown = fn.sqlName() + "(" + String.join(", ", s.call().args()) + ")";
            boolean inTx = inTransaction(s);
            if (fn.isSessionLock()) {
                out.markSessionLock();
                if (!guarded(s)) {
                    out.report(Rule.SESSION_LOCK_WITHOUT_RELEASE, offset, shown + " is not released in a "
                            + releaseIdiom() + ": an exception before the unlock leaves the lock held.");
                }
                if (inTx) {
                    out.report(Rule.SESSION_LOCK_IN_TRANSACTION, offset, shown + " is taken inside a transaction: "
                            + "it survives COMMIT/ROLLBACK; " + (concurrentDdl
                            ? "do not switch to the _xact_ variant here (this code runs CREATE INDEX CONCURRENTLY): "
                            + "take it on a dedicated connection outside the transaction."
                            : "use the _xact_ variant when all the work runs in this transaction."));
                }
                idioms.reentrant(s, offset, shown);
            }
            if ((fn.isSessionLock() || fn.isUnlock()) && s.kind() == ReceiverKinds.Kind.POOL && !inTx) {
                out.report(Rule.LOCK_THROUGH_POOL, offset, shown + " goes through " + s.handle()
                        + ", a pool: the next call may run on another session, so the unlock misses the lock "
                        + "and it stays on a pooled connection; pin one connection.");
            } else if (fn.isUnlock()) {
                otherSession(s, sites, offset, shown);
            }
            if (fn.isXactLock() && s.kind() == ReceiverKinds.Kind.POOL && !inTx) {
                out.report(Rule.XACT_LOCK_IN_AUTOCOMMIT, offset, shown + " goes through " + s.handle()
                        + ", a pool, in autocommit: the lock ends with this statement and protects nothing.");
            }
            if (fn.isXactLock()) {
                idioms.workElsewhere(s, offset, shown);
            }
            if (concurrentDdl && (fn.isXactLock() || fn.isSessionLock() && fn.isBlocking() && inTx)
                    && concurrentDdlIn(s.function())) {
                out.report(Rule.XACT_LOCK_WITH_CONCURRENT_INDEX, offset, shown + (fn.isXactLock()
                        ? " holds a transaction open" : " waits inside a transaction")
                        + " in code that runs CREATE INDEX CONCURRENTLY, which waits for that transaction: a "
                        + "self-deadlock. Use a session lock on a dedicated autocommit connection instead.");
            }
            if (fn.isBlocking() && !timeout) {
                out.report(Rule.BLOCKING_LOCK_WITHOUT_TIMEOUT, offset, shown + " waits without lock_timeout: "
                        + "a stuck holder blocks this caller forever.");
            }
            if (fn.isUnlock() && idioms.unlockResultIgnored(s)) {
                out.report(Rule.UNLOCK_RESULT_IGNORED, offset, shown + " result is ignored: a false "
                        + "(lock not held) goes unnoticed.");
            }
            if (fn.isUnlock()) {
                idioms.unlockCannotRun(s, offset, shown, inTx);
            }
            if (fn.isLock() && !fn.isBlocking()) {
                idioms.tryLockRead(s, offset, shown);
            }
            if (fn.isLock() || fn.isUnlock() && !lockedAnyMode.contains(s.keyText())) {
                for (String k : s.keys()) {
                    if (k != null && SqlText.looksRandom(k)) {
                        out.report(Rule.RANDOM_LITERAL_KEY, offset, "key " + k + " in " + fn.sqlName()
                                + " is a random-looking literal: use a named key.");
                    }
                }
            }
            if (fn.isUnlock() && !s.keys().contains(null) && allKnown && !locked.isEmpty()
                    && !locked.contains(fn.isShared() + "|" + s.keyText())) {
                out.report(Rule.MISMATCHED_UNLOCK, offset, shown + " does not match the lock taken here ("
                        + String.join(" and ", lockedAnyMode) + ").");
            }
        }
    }

    String releaseIdiom() {
        return switch (lang) {
            case RUBY -> "ensure block";
            case GO -> "defer";
            case PYTHON -> "finally block or context manager";
            case ELIXIR -> "try ... after block";
            case RUST -> "Drop guard or scopeguard";
            default -> "finally block";
        };
    }

    private boolean concurrentDdlIn(int function) {
        return concurrentDdlByFunction.computeIfAbsent(function, this::scanConcurrentDdl);
    }

    private boolean scanConcurrentDdl(int function) {
        TokenStructure.Region f = structure.function(function);
        for (int j = f.start(); j <= f.end() && j < t.size(); j++) {
            if (t.get(j).kind() == Token.Kind.STRING && SqlText.runsConcurrentDdl(t.get(j).text())) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ LW109: one pinned session

    /** The unlock goes through another handle than the lock (both known), or another Exposed transaction block. */
    private void otherSession(Site unlock, List<Site> sites, int offset, String shown) {
        int compared = 0;
        for (Site lock : sites) {
            if (!lock.call().function().isSessionLock() || lock.token() > unlock.token()
                    || !lock.keyText().equals(unlock.keyText()) && !unlock.keys().contains(null)) {
                continue;
            }
            if (++compared > MAX_LOCKS_COMPARED) {
                return;
            }
            boolean known = lock.kind() != ReceiverKinds.Kind.UNKNOWN && unlock.kind() != ReceiverKinds.Kind.UNKNOWN;
            if (known && lock.handle() != null && unlock.handle() != null && !lock.handle().equals(unlock.handle())) {
                out.report(Rule.LOCK_THROUGH_POOL, offset, shown + " runs on " + unlock.handle() + " but the lock was "
                        + "taken on " + lock.handle() + ": another session, so the unlock returns false and the lock "
                        + "stays held.");
                return;
            }
            int lockBlock = txBlock(lock.token());
            int unlockBlock = txBlock(unlock.token());
            if (lockBlock >= 0 && unlockBlock >= 0 && lockBlock != unlockBlock) {
                out.report(Rule.LOCK_THROUGH_POOL, offset, shown + " runs in another " + t.get(lockBlock).text()
                        + " block than the lock: each block borrows its own pooled connection, so the unlock "
                        + "misses the lock.");
                return;
            }
        }
    }

    /** Token of the transaction word whose block encloses {@code token}, or -1. */
    int txBlock(int token) {
        int j = enclosingOpen[token];
        for (int hops = 0; j >= 0 && hops < MAX_NESTING; hops++, j = enclosingOpen[j]) {
            if (j > 0 && t.get(j - 1).kind() == Token.Kind.WORD && TX_WORDS.contains(t.get(j - 1).text())) {
                return j - 1;
            }
        }
        return -1;
    }

    /** Python/Ruby: the {@code with ...transaction():} / {@code transaction do} line around {@code token}, or -1. */
    int txLine(int token) {
        int j = lineStartOf[token] == token ? parentLine[token] : enclosingLine(token);
        for (int hops = 0; j >= 0 && hops < MAX_NESTING; hops++, j = parentLine[j]) {
            Token tok = t.get(j);
            if (lineHasTxWord(j) && (tok.is("with") || tok.is("async") || lineHasWord(j, "do"))) {
                return j;
            }
        }
        return -1;
    }

    /** The nearest earlier line-start token indented less than {@code token}'s line, or -1. */
    private int enclosingLine(int token) {
        int ls = lineStartOf[token];
        int indent = t.get(token).indent();
        int j = ls;
        for (int hops = 0; j >= 0 && hops < MAX_NESTING && t.get(j).indent() >= indent; hops++) {
            j = parentLine[j];
        }
        return j >= 0 && t.get(j).indent() < indent ? j : -1;
    }

    /** Elixir: inside {@code Repo.checkout(fn -> ...)} or {@code Repo.transaction(fn -> ...)}. */
    private boolean pinnedByBlock(int token) {
        int j = enclosingOpen[token];
        for (int hops = 0; j >= 1 && hops < MAX_NESTING; hops++, j = enclosingOpen[j]) {
            if (t.get(j).is("(") && (PINNING.contains(t.get(j - 1).text()) || TX_WORDS.contains(t.get(j - 1).text()))) {
                return true;
            }
        }
        return false;
    }

    static boolean releases(Token x) {
        if (x.kind() == Token.Kind.STRING) {
            return SqlText.mentionsAdvisory(x.text())
                    && SqlText.lockCalls(x.text()).stream().anyMatch(c -> c.function().isRelease());
        }
        return x.kind() == Token.Kind.WORD && RELEASE_WORD.matcher(x.text()).matches();
    }

    // ------------------------------------------------------------------ LW101 / LW102 context

    private boolean guarded(Site s) {
        // a Go defer runs when the function returns, so one registered before the lock releases it too
        int[] span = releaseSpan(s.function()); // {latest start, earliest end} of the function's releasing regions
        if (span[0] > s.token() || lang == Language.GO && span[0] >= 0 && span[1] < s.token()) {
            return true;
        }
        if (returnsHandle(s)) {
            return true; // a dedicated connection returned to the caller: the caller owns the lock and closes it
        }
        if (LOCK_FUNCTION.matcher(structure.functionName(s.function())).matches()) {
            if (namedReleasers().stream().anyMatch(k -> k != s.function())) {
                return true; // a lock primitive with its release function, or a handle whose close/__exit__ releases
            }
            int[] closures = releasingClosures(s.function()); // returns a release closure: () => unlock
            return closures[0] > s.token() || closures[0] >= 0 && closures[1] < s.token();
        }
        return false;
    }

    /** {latest start, earliest end} of the releasing regions (finally, defer, ...) of a function; {-1, max}. */
    private int[] releaseSpan(int function) {
        return releaseSpanByFunction.computeIfAbsent(function, fn -> {
            int[] span = {-1, Integer.MAX_VALUE};
            for (TokenStructure.Region r : structure.releases()) {
                if (structure.functionOf(r.start()) == fn && regionReleases(r.start(), r.end())) {
                    span[0] = Math.max(span[0], r.start());
                    span[1] = Math.min(span[1], r.end());
                }
            }
            return span;
        });
    }

    /** The functions named like a closer (close, unlock, __exit__, ...) that release a lock. */
    private List<Integer> namedReleasers() {
        if (namedReleasers == null) {
            namedReleasers = new ArrayList<>();
            List<TokenStructure.Region> fns = structure.functions();
            for (int k = 0; k < fns.size() && namedReleasers.size() < 2; k++) {
                TokenStructure.Region f = fns.get(k);
                String name = t.get(f.name()).text();
                if ((CLOSERS.contains(name) || RELEASE_WORD.matcher(name).matches()) && regionReleases(f.start(), f.end())) {
                    namedReleasers.add(k);
                }
            }
        }
        return namedReleasers;
    }

    /** {latest start, earliest end} of the releasing functions nested in {@code function}; {-1, max}. */
    private int[] releasingClosures(int function) {
        return releasingClosuresByFunction.computeIfAbsent(function, fn -> {
            int[] span = {-1, Integer.MAX_VALUE};
            if (fn < 0) {
                return span;
            }
            TokenStructure.Region own = structure.function(fn);
            List<TokenStructure.Region> fns = structure.functions();
            for (int k = 0; k < fns.size(); k++) {
                TokenStructure.Region f = fns.get(k);
                if (k != fn && f.start() > own.start() && f.end() <= own.end() && regionReleases(f.start(), f.end())) {
                    span[0] = Math.max(span[0], f.start());
                    span[1] = Math.min(span[1], f.end());
                }
            }
            return span;
        });
    }

    private boolean returnsHandle(Site s) {
        if (s.handle() == null || s.function() < 0 || s.kind() == ReceiverKinds.Kind.POOL) {
            return false;
        }
        int last = lastReturnOfHandle.computeIfAbsent(s.function() + ":" + s.handle(), k -> {
            TokenStructure.Region f = structure.function(s.function());
            int found = -1;
            for (int j = f.start(); j < f.end() && j + 1 < t.size(); j++) {
                if (t.get(j).is("return") || lang == Language.RUST && t.get(j).is("Ok") && t.get(j + 1).is("(")) {
                    int line = t.get(j).line();
                    for (int m = j + 1; m < t.size() && t.get(m).line() == line && m < j + 8; m++) {
                        if (t.get(m).is(s.handle())) {
                            found = j;
                        }
                    }
                }
            }
            return found;
        });
        return last > s.token();
    }

    private boolean regionReleases(int from, int to) {
        return releasingRegion.computeIfAbsent(((long) from << 32) | (to & 0xffffffffL), k -> {
            for (int j = from; j <= to && j < t.size(); j++) {
                if (releases(t.get(j))) {
                    return true;
                }
            }
            return false;
        });
    }

    private boolean inTransaction(Site s) {
        if (s.kind() == ReceiverKinds.Kind.TRANSACTION) {
            return true;
        }
        if ((lang == Language.PYTHON || lang == Language.RUBY) && txLine(s.token()) >= 0) {
            return true;
        }
        int j = enclosingOpen[s.token()];
        for (int hops = 0; j >= 0 && hops < MAX_NESTING; hops++, j = enclosingOpen[j]) {
            for (int k = j - 1; k >= Math.max(0, j - 12); k--) {
                if (t.get(k).kind() == Token.Kind.WORD && TX_WORDS.contains(t.get(k).text())) {
                    return true;
                }
                if (t.get(k).is(";") || t.get(k).is("{") || t.get(k).is("}")) {
                    break;
                }
            }
        }
        return false;
    }

    private boolean lineHasTxWord(int token) {
        return lineTxWord.computeIfAbsent(token, k -> {
            int line = t.get(k).line();
            for (int j = k; j < t.size() && t.get(j).line() == line; j++) {
                if (TX_WORDS.contains(t.get(j).text()) && t.get(j).kind() == Token.Kind.WORD) {
                    return true;
                }
            }
            return false;
        });
    }

    private boolean lineHasWord(int token, String word) {
        return lineWord.computeIfAbsent(token + ":" + word, k -> {
            int line = t.get(token).line();
            for (int j = token; j < t.size() && t.get(j).line() == line; j++) {
                if (t.get(j).is(word)) {
                    return true;
                }
            }
            return false;
        });
    }

    private boolean timeoutIn(int function) {
        return timeoutByFunction.computeIfAbsent(function, this::scanTimeout);
    }

    private boolean scanTimeout(int function) {
        TokenStructure.Region f = structure.function(function);
        for (int j = f.start(); j <= f.end() && j < t.size(); j++) {
            Token tok = t.get(j);
            if (tok.kind() == Token.Kind.STRING && SqlText.setsTimeout(tok.text())
                    || tok.kind() == Token.Kind.WORD && tok.text().toLowerCase(Locale.ROOT).contains("locktimeout")) {
                return true;
            }
        }
        return false;
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
            if (tok.is("&") || tok.is("*") || tok.is("^")) {
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
