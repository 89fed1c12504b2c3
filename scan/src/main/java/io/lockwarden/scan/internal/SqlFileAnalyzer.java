package io.lockwarden.scan.internal;

import io.lockwarden.scan.Rule;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Plain {@code .sql} files. The top level is a psql-style script: {@code BEGIN}/{@code START TRANSACTION}
 * to {@code COMMIT}/{@code ROLLBACK}/{@code END} is a transaction, everything else runs in autocommit.
 * Each dollar-quoted body (function, procedure, {@code DO}) is its own unit and always runs inside a
 * transaction; there, a session lock is released on every path only when the body's {@code EXCEPTION}
 * section releases it too. Stateless; one call per file.
 */
public final class SqlFileAnalyzer {
    private static final Pattern DOLLAR_TAG = Pattern.compile("\\$([A-Za-z_][A-Za-z0-9_]*)?\\$");
    private static final Pattern EXCEPTION = Pattern.compile("(?i)\\bexception\\b");

    private SqlFileAnalyzer() {
    }

    private record Unit(int base, String text, boolean body) {
    }

    /** Runs the rules on one SQL file. */
    public static void analyze(SourceFile f, FileAnalysis out) {
        String s = f.text();
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
        for (SqlLockCall c : calls) {
            LockFunction fn = c.function();
            int offset = u.base() + c.offset();
            String shown = fn.sqlName() + "(" + String.join(", ", c.args()) + ")";
            boolean tx = u.body() || inTx[c.offset()];
            if (fn.isSessionLock()) {
                out.markSessionLock();
                boolean released = false;
                for (SqlLockCall r : calls) {
                    if (r.offset() > c.offset() && r.function().isRelease()
                            && (r.function() == LockFunction.PG_ADVISORY_UNLOCK_ALL || r.keyText().equals(c.keyText()))
                            && (!u.body() || exceptionAt >= 0 && r.offset() > exceptionAt)) {
                        released = true;
                    }
                }
                if (!released) {
                    out.report(Rule.SESSION_LOCK_WITHOUT_RELEASE, offset, shown + (u.body()
                            ? " is not released in the body's EXCEPTION section: an error leaves it held."
                            : " is never released later in this script."));
                }
                if (tx) {
                    out.report(Rule.SESSION_LOCK_IN_TRANSACTION, offset, shown + " is taken inside a transaction"
                            + (u.body() ? " (function bodies always run in one)" : "")
                            + ": it survives COMMIT/ROLLBACK; use the _xact_ variant.");
                }
            }
            if (fn.isXactLock() && !tx) {
                out.report(Rule.XACT_LOCK_IN_AUTOCOMMIT, offset, shown + " runs outside BEGIN ... COMMIT: the "
                        + "lock ends with this statement and protects nothing.");
            }
            if (fn.isBlocking() && !fileSetsTimeout) {
                out.report(Rule.BLOCKING_LOCK_WITHOUT_TIMEOUT, offset, shown + " waits without lock_timeout.");
            }
            if (fn.isUnlock() && lower.substring(0, c.offset()).stripTrailing().endsWith("perform")) {
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
