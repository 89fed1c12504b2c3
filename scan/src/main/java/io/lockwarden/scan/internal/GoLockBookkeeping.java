package io.lockwarden.scan.internal;

import io.lockwarden.scan.Rule;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.treesitter.TSNode;

/**
 * Go: a lock type whose in-memory bookkeeping can drift from the server (LW111). A method of a struct that
 * keeps its connection in a field (so the session outlives the call) and a "held" flag ({@code obtained},
 * {@code held}, {@code isLocked}: any bool field) takes a session-level lock on that connection without first
 * reading any of those flags: called again while held (an election tick, a retry), it stacks one more hold on
 * the re-entrant session lock, and the type's single unlock leaves the others held. The unlock on the same
 * field is reported too, naming the lock that stacks. Also LW105 for an unlock whose {@code Scan} error and
 * result are thrown away. One call per file; stateless.
 */
public final class GoLockBookkeeping {
    private static final Set<String> QUERY_METHODS = Set.of("Exec", "ExecContext", "Query", "QueryContext",
            "QueryRow", "QueryRowContext", "Get", "GetContext", "Select", "SelectContext");
    private static final Set<String> POOLS = Set.of("sql.DB", "sqlx.DB", "pgxpool.Pool", "pgx.ConnPool");

    private record Site(String type, String field, int line, int column, String shown, String method) {
    }

    private final GoSyntax tree;
    private final FileAnalysis out;
    private final Map<String, Map<String, String>> fieldTypes = new HashMap<>();

    private GoLockBookkeeping(GoSyntax tree, FileAnalysis out) {
        this.tree = tree;
        this.out = out;
    }

    /** Reports stacking session locks of one Go file (already parsed). */
    static void analyze(GoSyntax tree, FileAnalysis out) {
        new GoLockBookkeeping(tree, out).run();
    }

    private void run() {
        GoSyntax.walk(tree.root(), n -> {
            if (n.getType().equals("type_spec") && GoSyntax.field(n, "type") != null
                    && GoSyntax.field(n, "type").getType().equals("struct_type")) {
                Map<String, String> fields = fieldTypes.computeIfAbsent(tree.text(GoSyntax.field(n, "name")),
                        k -> new HashMap<>());
                GoSyntax.walk(GoSyntax.field(n, "type"), f -> {
                    TSNode t = GoSyntax.field(f, "type");
                    if (f.getType().equals("field_declaration") && t != null) {
                        for (int i = 0; i < f.getNamedChildCount(); i++) {
                            if (f.getNamedChild(i).getType().equals("field_identifier")) {
                                fields.put(tree.text(f.getNamedChild(i)), tree.text(t).replace("*", "").strip());
                            }
                        }
                    }
                });
            }
        });
        List<Site> locks = new ArrayList<>();
        List<Site> unlocks = new ArrayList<>();
        GoSyntax.walk(tree.root(), n -> {
            if (n.getType().equals("method_declaration")) {
                method(n, locks, unlocks);
            }
            if (n.getType().equals("method_declaration") || n.getType().equals("function_declaration")) {
                discardedUnlock(n);
            }
        });
        Set<String> stacked = new HashSet<>();
        for (Site l : locks) {
            stacked.add(l.type() + "." + l.field());
            out.findings().removeIf(f -> f.rule() == Rule.REENTRANT_SESSION_LOCK && f.line() == l.line());
            out.report(Rule.REENTRANT_SESSION_LOCK, l.line(), l.column(), l.shown() + " in " + l.method() + " runs on "
                    + "the connection kept in " + l.type() + "." + l.field() + " without first checking the lock's "
                    + flags(l.type()) + " flag: called again while it holds the lock (a retry, the next election "
                    + "tick), it stacks another hold on the re-entrant session lock, and one unlock leaves it held. "
                    + "Fix: return early when the flag says held, or count holds and unlock that many times.");
        }
        for (Site u : unlocks) {
            Site lock = locks.stream().filter(l -> (l.type() + "." + l.field()).equals(u.type() + "." + u.field()))
                    .findFirst().orElse(null);
            if (lock != null) {
                out.findings().removeIf(f -> f.rule() == Rule.REENTRANT_SESSION_LOCK && f.line() == u.line());
                out.report(Rule.REENTRANT_SESSION_LOCK, u.line(), u.column(), u.shown() + " in " + u.method()
                        + " releases one hold, but " + lock.method() + " (line " + lock.line() + ") may have stacked "
                        + "several on " + u.type() + "." + u.field() + ": the session keeps the lock. Fix: guard the "
                        + "lock with the held flag, or unlock until it returns false before closing the connection.");
            }
        }
    }

    /**
     * LW105: {@code row := c.QueryRowContext(ctx, "SELECT pg_advisory_unlock(...)")} whose {@code row.Scan(&v)}
     * error is thrown away ({@code _ = row.Scan(&v)} or a bare statement) and whose {@code v} is never checked:
     * a failed unlock (cancelled context, another session) leaves the lock held, often on a connection closed
     * back into the pool right after.
     */
    private void discardedUnlock(TSNode fn) {
        TSNode body = GoSyntax.field(fn, "body");
        if (body == null) {
            return;
        }
        Map<String, TSNode> unlockRows = new HashMap<>();
        List<String[]> discarded = new ArrayList<>(); // {row, var, line of unlock, line of scan}
        StringBuilder laterUse = new StringBuilder();
        int[] closeLine = {0};
        GoSyntax.walk(body, n -> {
            String t = n.getType();
            if (t.equals("short_var_declaration") || t.equals("assignment_statement")) {
                TSNode left = GoSyntax.field(n, "left");
                TSNode right = GoSyntax.field(n, "right");
                if (left == null || right == null || right.getNamedChildCount() == 0) {
                    return;
                }
                TSNode value = right.getNamedChild(0);
                String l = tree.text(left).strip();
                if (value.getType().equals("call_expression") && unlocks(value)) {
                    unlockRows.put(l, value);
                } else if (l.equals("_") && value.getType().equals("call_expression")) {
                    scanOf(value, unlockRows, discarded);
                }
            } else if (t.equals("expression_statement") && n.getNamedChildCount() == 1
                    && n.getNamedChild(0).getType().equals("call_expression")) {
                scanOf(n.getNamedChild(0), unlockRows, discarded);
                String c = tree.text(n.getNamedChild(0));
                if (c.endsWith(".Close()") && closeLine[0] == 0 && !discarded.isEmpty()) {
                    closeLine[0] = GoSyntax.line(n);
                }
            } else if ((t.equals("if_statement") || t.equals("return_statement")) && !discarded.isEmpty()) {
                TSNode cond = t.equals("if_statement") ? GoSyntax.field(n, "condition") : n;
                laterUse.append(' ').append(tree.text(cond));
                if (t.equals("return_statement") && tree.text(n).contains(".Close()") && closeLine[0] == 0) {
                    closeLine[0] = GoSyntax.line(n);
                }
            }
        });
        for (String[] d : discarded) {
            if (java.util.regex.Pattern.compile("\\b" + java.util.regex.Pattern.quote(d[1]) + "\\b")
                    .matcher(laterUse).find()) {
                continue;
            }
            TSNode unlock = unlockRows.get(d[0]);
            out.report(Rule.UNLOCK_RESULT_IGNORED, GoSyntax.line(unlock), GoSyntax.column(unlock), "the unlock's error "
                    + "and result are thrown away (" + d[0] + ".Scan on line " + d[2] + ") and " + d[1] + " is never "
                    + "checked: when the unlock fails (a cancelled or expired ctx, another session) the lock stays held"
                    + (closeLine[0] > 0 ? ", on the session that Close() on line " + closeLine[0] + " hands back to the pool"
                    : "") + ". Fix: if err := " + d[0] + ".Scan(&" + d[1] + "); err != nil || !" + d[1] + " { close the "
                    + "connection for good (conn.Raw + driver close) or return the error }.");
        }
    }

    private void scanOf(TSNode call, Map<String, TSNode> unlockRows, List<String[]> discarded) {
        TSNode callee = GoSyntax.field(call, "function");
        TSNode args = GoSyntax.field(call, "arguments");
        if (callee == null || args == null || !callee.getType().equals("selector_expression")
                || !tree.text(GoSyntax.field(callee, "field")).equals("Scan")) {
            return;
        }
        String row = tree.text(GoSyntax.field(callee, "operand"));
        if (unlockRows.containsKey(row) && args.getNamedChildCount() == 1) {
            String v = tree.text(args.getNamedChild(0)).replace("&", "").strip();
            discarded.add(new String[] {row, v, String.valueOf(GoSyntax.line(call))});
        }
    }

    private boolean unlocks(TSNode call) {
        TSNode callee = GoSyntax.field(call, "function");
        TSNode args = GoSyntax.field(call, "arguments");
        if (callee == null || args == null || !callee.getType().equals("selector_expression")
                || !tree.text(GoSyntax.field(callee, "field")).startsWith("QueryRow")) {
            return false;
        }
        for (int i = 0; i < args.getNamedChildCount() && i < 2; i++) {
            TSNode a = args.getNamedChild(i);
            if (a.getType().endsWith("string_literal")
                    && SqlText.lockCalls(tree.stringValue(a)).stream().anyMatch(c -> c.function().isUnlock())) {
                return true;
            }
        }
        return false;
    }

    private String flags(String type) {
        List<String> bools = new ArrayList<>();
        fieldTypes.getOrDefault(type, Map.of()).forEach((k, v) -> {
            if (v.equals("bool") || v.equals("atomic.Bool")) {
                bools.add(k);
            }
        });
        bools.sort(null);
        return String.join("/", bools);
    }

    private void method(TSNode m, List<Site> locks, List<Site> unlocks) {
        TSNode recv = GoSyntax.field(m, "receiver");
        TSNode body = GoSyntax.field(m, "body");
        if (recv == null || body == null || recv.getNamedChildCount() == 0) {
            return;
        }
        TSNode param = recv.getNamedChild(0);
        TSNode nameNode = null;
        for (int i = 0; i < param.getNamedChildCount(); i++) {
            if (param.getNamedChild(i).getType().equals("identifier")) {
                nameNode = param.getNamedChild(i);
            }
        }
        TSNode typeNode = GoSyntax.field(param, "type");
        if (nameNode == null || typeNode == null) {
            return;
        }
        String self = tree.text(nameNode);
        String type = tree.text(typeNode).replace("*", "").strip();
        Map<String, String> fields = fieldTypes.get(type);
        if (fields == null || flags(type).isEmpty()) {
            return; // no bookkeeping to drift
        }
        String methodName = tree.text(GoSyntax.field(m, "name"));
        boolean[] flagRead = {false};
        GoSyntax.walk(body, n -> {
            String t = n.getType();
            if ((t.equals("if_statement") || t.equals("expression_switch_statement")) && !flagRead[0]) {
                TSNode cond = GoSyntax.field(n, t.equals("if_statement") ? "condition" : "value");
                String c = cond == null ? "" : tree.text(cond);
                for (String flag : flags(type).split("/")) {
                    if (!flag.isEmpty() && c.contains(self + "." + flag)) {
                        flagRead[0] = true;
                    }
                }
            }
            if (!t.equals("call_expression")) {
                return;
            }
            TSNode callee = GoSyntax.field(n, "function");
            TSNode args = GoSyntax.field(n, "arguments");
            if (callee == null || args == null || !callee.getType().equals("selector_expression")
                    || !QUERY_METHODS.contains(tree.text(GoSyntax.field(callee, "field")))) {
                return;
            }
            TSNode operand = GoSyntax.field(callee, "operand");
            if (operand == null || !operand.getType().equals("selector_expression")
                    || !tree.text(GoSyntax.field(operand, "operand")).equals(self)) {
                return;
            }
            String field = tree.text(GoSyntax.field(operand, "field"));
            String fieldType = fields.get(field);
            if (fieldType == null || POOLS.contains(fieldType)) {
                return; // a pool is LW109's business
            }
            for (int i = 0; i < args.getNamedChildCount() && i < 3; i++) {
                TSNode a = args.getNamedChild(i);
                if (!a.getType().endsWith("string_literal")) {
                    continue;
                }
                for (SqlLockCall c : SqlText.lockCalls(tree.stringValue(a))) {
                    String shown = c.function().sqlName() + "(" + String.join(", ", c.args()) + ")";
                    Site s = new Site(type, field, GoSyntax.line(n), GoSyntax.column(n), shown, methodName);
                    if (c.function().isSessionLock() && !flagRead[0]) {
                        locks.add(s);
                    } else if (c.function().isUnlock() && !c.function().isShared()) {
                        unlocks.add(s);
                    }
                }
            }
        });
    }
}
