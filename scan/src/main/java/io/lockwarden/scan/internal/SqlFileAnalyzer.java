package io.lockwarden.scan.internal;

import io.lockwarden.scan.Rule;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Plain {@code .sql} files. The top level is a psql-style script: {@code BEGIN}/{@code START TRANSACTION}
 * to {@code COMMIT}/{@code ROLLBACK}/{@code END} is a transaction, everything else runs in autocommit.
 * Each dollar-quoted body (function, procedure, {@code DO}) is its own unit and always runs inside a
 * transaction; there, a session lock is released on every path only when the body's {@code EXCEPTION}
 * section releases it too, and a transaction-level lock ends at the body's first {@code COMMIT} (procedures
 * and {@code DO} blocks may commit). A query file of a code generator (sqlc, yesql, HugSQL, aiosql:
 * {@code -- name: X :exec}) is not a script: each query runs inside its caller's connection and
 * transaction, so only what the query itself decides is checked (a result its annotation throws away, a
 * random key). Stateless; one call per file.
 */
public final class SqlFileAnalyzer {
    private static final Pattern DOLLAR_TAG = Pattern.compile("\\$([A-Za-z_][A-Za-z0-9_]*)?\\$");
    private static final Pattern EXCEPTION = Pattern.compile("(?i)\\bexception\\b");
    private static final Pattern COMMIT = Pattern.compile("(?i)(^|;|\\bthen\\b|\\bloop\\b|\\bbegin\\b)\\s*(commit|rollback)\\s*(;|$)");
    private static final Pattern LOOP = Pattern.compile("(end\\s+)?\\bloop\\b");
    private static final Pattern QUERY_NAME = Pattern.compile("(?m)^\\s*--\\s*name:\\s*(\\S+)([^\\n]*)$");
    private static final Pattern DISCARDING = Pattern.compile(
            "(?i)(:exec\\b|:execrows|:execresult|:execlastid|:batchexec|:execute\\b|:!|:affected|:insert\\b)");

    private SqlFileAnalyzer() {
    }

    private record Unit(int base, String text, boolean body) {
    }

    /** Runs the rules on one SQL file. */
    public static void analyze(SourceFile f, FileAnalysis out) {
        String s = f.text();
        if (QUERY_NAME.matcher(s).find()) {
            analyzeQueryFile(f, out);
            return;
        }
        StringBuilder top = new StringBuilder(s.length());
        List<Unit> bodies = new ArrayList<>();
        int n = s.length();
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            if (c == '-' && i + 1 < n && s.charAt(i + 1) == '-') {
                int e = s.indexOf('\n', i);
                e = e < 0 ? n : e;
                blank(top, s, i, e);
                i = e;
            } else if (c == '/' && i + 1 < n && s.charAt(i + 1) == '*') {
                int e = SqlText.skipBlockComment(s, i);
                blank(top, s, i, e);
                i = e;
            } else if (c == '\'') {
                int e = SqlText.skipQuoted(s, i);
                top.append(s, i, e); // keep literals: set_config('lock_timeout', ...) must stay visible
                i = e;
            } else if (c == '$') {
                Matcher m = DOLLAR_TAG.matcher(s).region(i, n);
                if (m.lookingAt() && (i == 0 || !Character.isLetterOrDigit(s.charAt(i - 1)))) {
                    String tag = m.group();
                    int bodyStart = m.end();
                    int close = s.indexOf(tag, bodyStart);
                    int bodyEnd = close < 0 ? n : close;
                    bodies.add(new Unit(bodyStart, s.substring(bodyStart, bodyEnd), true));
                    int e = close < 0 ? n : close + tag.length();
                    top.append(tag);
                    blank(top, s, bodyStart, bodyEnd);
                    top.append(s, bodyEnd, e);
                    i = e;
                } else {
                    top.append(c);
                    i++;
                }
            } else {
                top.append(c);
                i++;
            }
        }
        List<Unit> units = new ArrayList<>();
        units.add(new Unit(0, top.toString(), false));
        units.addAll(bodies);
        boolean fileSetsTimeout = SqlText.setsTimeout(top) || bodies.stream().anyMatch(b -> SqlText.setsTimeout(b.text()));
        for (Unit u : units) {
            analyzeUnit(f, u, out, fileSetsTimeout);
        }
    }

    /** Each named query runs in the caller's transaction; its annotation says whether the result is read. */
    private static void analyzeQueryFile(SourceFile f, FileAnalysis out) {
        String s = f.text();
        Matcher m = QUERY_NAME.matcher(s);
        List<int[]> starts = new ArrayList<>(); // {queryStart, discards}
        while (m.find()) {
            boolean discards = DISCARDING.matcher(m.group(2)).find() || m.group(1).endsWith("!");
            starts.add(new int[] {m.end(), discards ? 1 : 0});
        }
        for (int q = 0; q < starts.size(); q++) {
            int from = starts.get(q)[0];
            int to = q + 1 < starts.size() ? starts.get(q + 1)[0] : s.length();
            boolean discards = starts.get(q)[1] == 1;
            for (SqlLockCall c : SqlText.lockCalls(s.substring(from, to))) {
                LockFunction fn = c.function();
                int offset = from + c.offset();
                String shown = fn.sqlName() + "(" + String.join(", ", c.args()) + ")";
                if (fn.isSessionLock()) {
                    out.markSessionLock();
                }
                if (discards && fn.isUnlock()) {
                    out.report(Rule.UNLOCK_RESULT_IGNORED, offset, shown + " is declared as a query whose result "
                            + "is discarded (:exec): a false (lock not held) goes unnoticed; declare it :one and check it.");
                }
                if (discards && fn.isLock() && !fn.isBlocking()) {
                    out.report(Rule.TRY_LOCK_RESULT_UNREAD, offset, shown + " is declared as a query whose result "
                            + "is discarded (:exec): the caller cannot know whether it got the lock; declare it :one.");
                }
                for (String k : c.args()) {
                    if (SqlText.looksRandom(k)) {
                        out.report(Rule.RANDOM_LITERAL_KEY, offset, "key " + k + " in " + fn.sqlName()
                                + " is a random-looking literal: use a named key.");
                    }
                }
            }
        }
    }

    private static void blank(StringBuilder b, String s, int from, int to) {
        for (int k = from; k < to; k++) {
            b.append(s.charAt(k) == '\n' ? '\n' : ' ');
        }
    }

    private static void analyzeUnit(SourceFile f, Unit u, FileAnalysis out, boolean fileSetsTimeout) {
        List<SqlLockCall> calls = SqlText.lockCalls(u.text());
        if (calls.isEmpty()) {
            return;
        }
        int exceptionAt = -1;
        if (u.body()) {
            Matcher m = EXCEPTION.matcher(u.text());
            while (m.find()) {
                exceptionAt = m.start();
            }
        }
        boolean[] inTx = u.body() ? null : transactionMap(u.text());
        Set<String> locked = new HashSet<>();
        Set<String> lockedAnyMode = new HashSet<>();
        boolean allKnown = true;
        for (SqlLockCall c : calls) {
            if (c.function().isLock()) {
                if (c.args().stream().anyMatch(SqlText::isPlaceholder)) {
                    allKnown = false;
                }
                locked.add(c.function().isShared() + "|" + c.keyText());
                lockedAnyMode.add(c.keyText());
            }
        }
        String lower = u.text().toLowerCase(Locale.ROOT);
        // Indexes built once per unit, so that every check below is a lookup (a long line holds many calls).
        Map<String, Integer> lastReleaseByKey = new HashMap<>();
        int lastUnlockAll = -1;
        for (SqlLockCall r : calls) {
            if (r.function().isRelease() && (!u.body() || exceptionAt >= 0 && r.offset() > exceptionAt)) {
                if (r.function() == LockFunction.PG_ADVISORY_UNLOCK_ALL) {
                    lastUnlockAll = r.offset();
                } else {
                    lastReleaseByKey.merge(r.keyText(), r.offset(), Math::max);
                }
            }
        }
        List<int[]> commits = new ArrayList<>(); // {start of the COMMIT/ROLLBACK word, 1 = ROLLBACK}
        if (u.body()) {
            Matcher cm = COMMIT.matcher(u.text());
            int from = 0;
            while (from <= u.text().length() && cm.find(from)) {
                commits.add(new int[] {cm.start(2), cm.group(2).equalsIgnoreCase("rollback") ? 1 : 0});
                from = Math.max(cm.end(2), cm.start() + 1);
            }
        }
        int[] openLoopBefore = u.body() ? openLoops(lower) : null;
        for (SqlLockCall c : calls) {
            LockFunction fn = c.function();
            int offset = u.base() + c.offset();
            String shown = fn.sqlName() + "(" + String.join(", ", c.args()) + ")";
            boolean tx = u.body() || inTx[c.offset()];
            if (fn.isSessionLock()) {
                out.markSessionLock();
                boolean released = lastUnlockAll > c.offset()
                        || lastReleaseByKey.getOrDefault(c.keyText(), -1) > c.offset();
                if (!released) {
                    out.report(Rule.SESSION_LOCK_WITHOUT_RELEASE, offset, shown + (u.body()
                            ? " is not released in the body's EXCEPTION section: an error leaves it held."
                            : " is never released later in this script."));
                }
                if (tx && !(u.body() && !commits.isEmpty())) { // a committing procedure needs a session lock
                    out.report(Rule.SESSION_LOCK_IN_TRANSACTION, offset, shown + " is taken inside a transaction"
                            + (u.body() ? " (function bodies always run in one)" : "")
                            + ": it survives COMMIT/ROLLBACK; use the _xact_ variant.");
                }
            }
            if (fn.isXactLock() && u.body()) {
                int[] commit = firstCommitAtOrAfter(commits, c.offset());
                if (commit != null && !relockedPerBatch(lower, c.offset(), commit[0], openLoopBefore)) {
                    out.report(Rule.XACT_LOCK_ENDS_EARLY, offset, shown + " ends at the " + (commit[1] == 1 ? "ROLLBACK" : "COMMIT")
                            + " on line " + f.line(u.base() + commit[0]) + " of this body: the statements after "
                            + "it run unprotected. Take a session lock (with an unlock in the EXCEPTION handler), "
                            + "or take the lock again after each COMMIT.");
                }
            }
            if (fn.isXactLock() && !tx) {
                out.report(Rule.XACT_LOCK_IN_AUTOCOMMIT, offset, shown + " runs outside BEGIN ... COMMIT: the "
                        + "lock ends with this statement and protects nothing.");
            }
            if (fn.isBlocking() && !fileSetsTimeout) {
                out.report(Rule.BLOCKING_LOCK_WITHOUT_TIMEOUT, offset, shown + " waits without lock_timeout.");
            }
            if (fn.isUnlock() && SqlText.precededByWord(lower, c.offset(), "perform")) {
                out.report(Rule.UNLOCK_RESULT_IGNORED, offset, "PERFORM " + shown + " discards the result: a "
                        + "false (lock not held) goes unnoticed.");
            }
            if (fn.isLock() || fn.isUnlock() && !lockedAnyMode.contains(c.keyText())) {
                for (String k : c.args()) {
                    if (SqlText.looksRandom(k)) {
                        out.report(Rule.RANDOM_LITERAL_KEY, offset, "key " + k + " in " + fn.sqlName()
                                + " is a random-looking literal: use a named key.");
                    }
                }
            }
            if (fn.isUnlock() && allKnown && !locked.isEmpty() && c.args().stream().noneMatch(SqlText::isPlaceholder)
                    && !locked.contains(fn.isShared() + "|" + c.keyText())) {
                out.report(Rule.MISMATCHED_UNLOCK, offset, shown + " does not match the lock taken here ("
                        + String.join(" and ", lockedAnyMode) + ").");
            }
        }
    }

    /** The first COMMIT/ROLLBACK found by a search starting at {@code offset}, or null. */
    private static int[] firstCommitAtOrAfter(List<int[]> commits, int offset) {
        int lo = 0;
        int hi = commits.size();
        while (lo < hi) { // COMMIT matches begin at most a keyword before their word; the search starts at offset
            int mid = (lo + hi) >>> 1;
            if (commits.get(mid)[0] < offset) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo < commits.size() ? commits.get(lo) : null;
    }

    /**
     * For each offset: the start of the innermost LOOP still open there (as the old left-to-right scan saw
     * it: an END LOOP closes whatever was open), or -1. One pass over the text.
     */
    private static int[] openLoops(String lower) {
        int[] open = new int[lower.length() + 1];
        Matcher m = LOOP.matcher(lower);
        int current = -1;
        int filled = 0;
        while (m.find()) {
            java.util.Arrays.fill(open, filled, m.start(), current);
            filled = m.start();
            current = m.group(1) == null ? m.start() : -1;
        }
        java.util.Arrays.fill(open, filled, open.length, current);
        return open;
    }

    /** The lock and the COMMIT are in the same LOOP body: the lock is taken again after every COMMIT. */
    private static boolean relockedPerBatch(String lower, int lock, int commit, int[] openLoopBefore) {
        if (lower.indexOf("end loop", lock) >= 0 && lower.indexOf("end loop", lock) + 8 <= commit) {
            return false;
        }
        return openLoopBefore[lock] >= 0;
    }

    /** For each offset of the top-level text: inside an explicit transaction block. */
    private static boolean[] transactionMap(String text) {
        boolean[] map = new boolean[text.length() + 1];
        boolean in = false;
        int start = 0;
        for (int i = 0; i <= text.length(); i++) {
            if (i == text.length() || text.charAt(i) == ';') {
                String stmt = text.substring(start, i).strip().toLowerCase(Locale.ROOT);
                String first = stmt.split("\\s+", 2)[0];
                boolean opens = first.equals("begin") || stmt.startsWith("start transaction");
                boolean closes = first.equals("commit") || first.equals("rollback") || first.equals("end")
                        || first.equals("abort");
                if (opens) {
                    in = true;
                }
                for (int k = start; k < i; k++) {
                    map[k] = in;
                }
                if (closes) {
                    in = false;
                }
                start = i + 1;
            }
        }
        return map;
    }
}
