package io.lockwarden.scan.internal;

import io.lockwarden.scan.Rule;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.treesitter.TSNode;

/**
 * Go: advisory lock SQL run through a connection pool, found from declared types on the tree-sitter syntax
 * tree. The receiver of {@code Exec}/{@code QueryRow}/{@code GetContext}/... is resolved from the declarations
 * in the file: struct fields ({@code p.db} where {@code p *Postgres} and {@code Postgres} has {@code db
 * *sql.DB}), parameters, {@code var} declarations and what {@code :=} assigns ({@code sql.Open},
 * {@code pgxpool.New}, {@code db.Conn(ctx)}, {@code pool.Acquire(ctx)}, {@code db.BeginTx}). The SQL is
 * followed through local and package-level string constants and variables, {@code fmt.Sprintf} formats and
 * {@code +} concatenation. A session-level lock or unlock through {@code *sql.DB}, {@code *sqlx.DB} or
 * {@code *pgxpool.Pool} runs on whichever pooled session the pool picks (LW109); a transaction-level lock sent
 * alone through one ends with its statement (LW103). These findings replace the token analysis's finding of the
 * same rule on the same line. One call per file; stateless.
 */
public final class GoPoolLocks {
    private static final Set<String> QUERY_METHODS = Set.of("Exec", "ExecContext", "Query", "QueryContext",
            "QueryRow", "QueryRowContext", "Get", "GetContext", "Select", "SelectContext", "MustExec",
            "MustExecContext", "QueryRowx", "QueryRowxContext", "Queryx", "QueryxContext", "NamedExec",
            "NamedExecContext", "Raw");
    private static final Set<String> POOLS = Set.of("sql.DB", "sqlx.DB", "pgxpool.Pool", "pgx.ConnPool", "bun.DB",
            "gorm.DB");
    private static final String EMBEDDED = "<embedded>";
    private static final Pattern FORMATTED_LOCK = Pattern.compile("(?i)pg_(try_)?advisory_(%[sv]|\\{)");

    /** What a name is declared as: its Go type text and the line of the declaration. */
    private record Decl(String type, int line, String how) {
    }

    private final GoSyntax tree;
    private final FileAnalysis out;
    private final Map<String, Map<String, Decl>> structFields = new HashMap<>();
    private final Map<String, Decl> globals = new HashMap<>();
    private final Map<String, String> globalStrings = new HashMap<>();

    private GoPoolLocks(GoSyntax tree, FileAnalysis out) {
        this.tree = tree;
        this.out = out;
    }

    /**
     * Reports pool-routed lock calls of one Go file, then runs {@link GoLockBookkeeping} on the same tree; does
     * nothing unless the file mentions advisory locks.
     */
    public static void analyze(SourceFile f, FileAnalysis out) {
        if (!SqlText.mentionsAdvisory(f.text())) {
            return;
        }
        GoSyntax tree = GoSyntax.parse(f.text());
        new GoPoolLocks(tree, out).run();
        GoLockBookkeeping.analyze(tree, out);
    }

    private void run() {
        TSNode root = tree.root();
        GoSyntax.walk(root, n -> {
            switch (n.getType()) {
                case "type_spec" -> structType(n);
                case "const_spec", "var_spec" -> {
                    if (isPackageLevel(n)) {
                        declare(n, globals, globalStrings);
                    }
                }
                default -> {
                }
            }
        });
        GoSyntax.walk(root, n -> {
            if (n.getType().equals("function_declaration") || n.getType().equals("method_declaration")) {
                function(n);
            }
        });
    }

    private static boolean isPackageLevel(TSNode spec) {
        TSNode decl = spec.getParent();
        while (decl != null && !decl.isNull() && !decl.getType().endsWith("_declaration")) {
            decl = decl.getParent();
        }
        TSNode parent = decl == null || decl.isNull() ? null : decl.getParent();
        return parent != null && !parent.isNull() && parent.getType().equals("source_file");
    }

    private void structType(TSNode spec) {
        TSNode name = GoSyntax.field(spec, "name");
        TSNode type = GoSyntax.field(spec, "type");
        if (name == null || type == null || !type.getType().equals("struct_type")) {
            return;
        }
        Map<String, Decl> fields = structFields.computeIfAbsent(tree.text(name), k -> new HashMap<>());
        GoSyntax.walk(type, n -> {
            if (n.getType().equals("field_declaration")) {
                TSNode t = GoSyntax.field(n, "type");
                boolean named = false;
                for (int i = 0; i < n.getNamedChildCount(); i++) {
                    named |= n.getNamedChild(i).getType().equals("field_identifier");
                }
                if (!named && t != null) { // an embedded type: its methods are promoted to the struct
                    fields.put(EMBEDDED + tree.text(t), new Decl(tree.text(t), GoSyntax.line(t),
                            tree.text(name) + " embeds " + tree.text(t)));
                }
                for (int i = 0; i < n.getNamedChildCount(); i++) {
                    TSNode c = n.getNamedChild(i);
                    if (c.getType().equals("field_identifier") && t != null) {
                        fields.put(tree.text(c), new Decl(tree.text(t), GoSyntax.line(c),
                                "field " + tree.text(c) + " of " + tree.text(name)));
                    }
                }
            }
        });
    }

    /** var/const specs: typed names, and names bound to string values. */
    private void declare(TSNode spec, Map<String, Decl> types, Map<String, String> strings) {
        TSNode type = GoSyntax.field(spec, "type");
        TSNode value = GoSyntax.field(spec, "value");
        int k = 0;
        for (int i = 0; i < spec.getNamedChildCount(); i++) {
            TSNode c = spec.getNamedChild(i);
            if (!c.getType().equals("identifier")) {
                continue;
            }
            String name = tree.text(c);
            if (type != null) {
                types.put(name, new Decl(tree.text(type), GoSyntax.line(c), "declared"));
            }
            if (value != null && k < value.getNamedChildCount()) {
                bind(name, value.getNamedChild(k), GoSyntax.line(c), types, strings);
            }
            k++;
        }
    }

    private void function(TSNode fn) {
        Map<String, Decl> locals = new HashMap<>(globals);
        Map<String, String> strings = new HashMap<>(globalStrings);
        for (String part : List.of("receiver", "parameters")) {
            TSNode params = GoSyntax.field(fn, part);
            if (params == null) {
                continue;
            }
            for (int i = 0; i < params.getNamedChildCount(); i++) {
                TSNode p = params.getNamedChild(i);
                TSNode type = GoSyntax.field(p, "type");
                for (int j = 0; j < p.getNamedChildCount() && type != null; j++) {
                    TSNode c = p.getNamedChild(j);
                    if (c.getType().equals("identifier")) {
                        locals.put(tree.text(c), new Decl(tree.text(type), GoSyntax.line(c),
                                part.equals("receiver") ? "receiver" : "parameter"));
                    }
                }
            }
        }
        TSNode body = GoSyntax.field(fn, "body");
        if (body == null) {
            return;
        }
        // declarations and calls in source order: a name's type is the one declared before the call
        GoSyntax.walk(body, n -> {
            switch (n.getType()) {
                case "var_spec", "const_spec" -> declare(n, locals, strings);
                case "short_var_declaration", "assignment_statement" -> assign(n, locals, strings);
                case "call_expression" -> call(n, locals, strings);
                default -> {
                }
            }
        });
    }

    private void assign(TSNode n, Map<String, Decl> locals, Map<String, String> strings) {
        TSNode left = GoSyntax.field(n, "left");
        TSNode right = GoSyntax.field(n, "right");
        if (left == null || right == null || left.getNamedChildCount() == 0 || right.getNamedChildCount() == 0) {
            return;
        }
        TSNode first = left.getNamedChild(0);
        if (!first.getType().equals("identifier")) {
            return;
        }
        bind(tree.text(first), right.getNamedChild(0), GoSyntax.line(first), locals, strings);
    }

    /** Records what {@code name := value} makes {@code name}: a string, a pool, a pinned connection. */
    private void bind(String name, TSNode value, int line, Map<String, Decl> types, Map<String, String> strings) {
        String sql = sqlText(value, strings);
        if (sql != null) {
            strings.put(name, sql);
            return;
        }
        if (!value.getType().equals("call_expression")) {
            return;
        }
        TSNode callee = GoSyntax.field(value, "function");
        String c = tree.text(callee);
        String method = callee != null && callee.getType().equals("selector_expression")
                ? tree.text(GoSyntax.field(callee, "field")) : c;
        String type = switch (c) {
            case "sql.Open", "sql.OpenDB" -> "*sql.DB";
            case "sqlx.Open", "sqlx.Connect", "sqlx.MustConnect", "sqlx.NewDb", "sqlx.MustOpen" -> "*sqlx.DB";
            case "pgxpool.New", "pgxpool.Connect", "pgxpool.NewWithConfig", "pgxpool.ConnectConfig" -> "*pgxpool.Pool";
            case "pgx.Connect", "pgx.ConnectConfig" -> "*pgx.Conn";
            default -> switch (method) {
                case "Conn", "Connx" -> "*sql.Conn";
                case "Acquire" -> "*pgxpool.Conn";
                case "Begin", "BeginTx", "Beginx", "BeginTxx", "MustBegin" -> "*sql.Tx";
                default -> null;
            };
        };
        if (type != null) {
            types.put(name, new Decl(type, line, "assigned from " + c + "(...)"));
        }
    }

    /** The SQL text of an expression when it is built from string literals, or null. */
    private String sqlText(TSNode e, Map<String, String> strings) {
        if (e == null) {
            return null;
        }
        return switch (e.getType()) {
            case "interpreted_string_literal", "raw_string_literal" -> tree.stringValue(e);
            case "identifier" -> strings.get(tree.text(e));
            case "parenthesized_expression" -> e.getNamedChildCount() == 1 ? sqlText(e.getNamedChild(0), strings) : null;
            case "binary_expression" -> {
                String l = sqlText(GoSyntax.field(e, "left"), strings);
                String r = sqlText(GoSyntax.field(e, "right"), strings);
                yield l == null && r == null ? null : (l == null ? "?" : l) + (r == null ? "?" : r);
            }
            case "call_expression" -> {
                String f = tree.text(GoSyntax.field(e, "function"));
                TSNode args = GoSyntax.field(e, "arguments");
                yield (f.equals("fmt.Sprintf") || f.equals("strings.TrimSpace")) && args != null
                        && args.getNamedChildCount() > 0 ? sqlText(args.getNamedChild(0), strings) : null;
            }
            default -> null;
        };
    }

    private void call(TSNode n, Map<String, Decl> locals, Map<String, String> strings) {
        TSNode callee = GoSyntax.field(n, "function");
        TSNode args = GoSyntax.field(n, "arguments");
        if (callee == null || args == null || !callee.getType().equals("selector_expression")) {
            return;
        }
        String method = tree.text(GoSyntax.field(callee, "field"));
        if (!QUERY_METHODS.contains(method)) {
            return;
        }
        String sql = null;
        for (int i = 0; i < args.getNamedChildCount() && i < 3 && sql == null; i++) { // ctx, dest, query
            sql = sqlText(args.getNamedChild(i), strings);
        }
        if (sql == null || !SqlText.mentionsAdvisory(sql)) {
            return;
        }
        TSNode receiver = GoSyntax.field(callee, "operand");
        Decl decl = poolOf(typeOf(receiver, locals));
        if (decl == null) {
            return;
        }
        String recv = tree.text(receiver);
        String where = " (" + decl.how() + ", line " + decl.line() + ")";
        String pinned = null;
        for (Map.Entry<String, Decl> e : locals.entrySet()) {
            String t = bare(e.getValue().type());
            if (e.getValue().how().startsWith("assigned from") && (t.equals("sql.Conn") || t.equals("pgxpool.Conn"))) {
                pinned = e.getKey();
                where += "; " + pinned + " (line " + e.getValue().line() + ") is a pinned connection, but the lock "
                        + "does not run on it";
                break;
            }
        }
        String fix = pinned != null
                ? " Fix: run the lock and the unlock on " + pinned + " (" + pinned + "." + method + "), and close it only "
                        + "after the unlock."
                : " Fix: pin one session: conn, err := " + recv + ".Conn(ctx) (pgxpool: " + recv + ".Acquire(ctx)); take "
                        + "and release the lock on conn, check the unlock's boolean, and Close/Release conn only after "
                        + "the unlock.";
        List<SqlLockCall> calls = SqlText.lockCalls(sql);
        int line = GoSyntax.line(n);
        int column = GoSyntax.column(n);
        if (calls.isEmpty() && FORMATTED_LOCK.matcher(sql).find()) {
            report(Rule.LOCK_THROUGH_POOL, line, column, recv + "." + method + " runs the advisory lock function built "
                    + "from \"" + cut(sql) + "\" on " + recv + ", a " + decl.type() + where + ": each call takes any "
                    + "idle pooled connection, so the lock stays on a session that goes back to the pool and the "
                    + "unlock may run on another one, return false and leave it held." + fix);
            return;
        }
        for (SqlLockCall c : calls) {
            LockFunction fn = c.function();
            String shown = fn.sqlName() + "(" + String.join(", ", c.args()) + ")";
            if (fn.isSessionLock()) {
                report(Rule.LOCK_THROUGH_POOL, line, column, shown + " runs through " + recv + "." + method + " on "
                        + recv + ", a " + decl.type() + where + ": the pool returns that connection to its idle set "
                        + "still holding the lock, and the unlock may run on another session." + fix);
            } else if (fn.isUnlock()) {
                report(Rule.LOCK_THROUGH_POOL, line, column, shown + " runs through " + recv + "." + method + " on "
                        + recv + ", a " + decl.type() + where + ": it may run on another session than the lock, "
                        + "return false, and leave the lock held on a pooled connection." + fix);
            } else if (fn.isXactLock() && singleStatement(sql)) {
                report(Rule.XACT_LOCK_IN_AUTOCOMMIT, line, column, shown + " runs alone through " + recv + "."
                        + method + " on " + recv + ", a " + decl.type() + where + ", in autocommit: the lock ends "
                        + "with this statement and protects nothing. Fix: tx, err := " + recv + ".BeginTx(ctx, nil); "
                        + "take the lock and do the work on tx; tx.Commit().");
            }
        }
    }

    /** The declaration itself when it is a pool, the embedded pool of a struct type, or null. */
    private Decl poolOf(Decl decl) {
        if (decl == null) {
            return null;
        }
        if (POOLS.contains(bare(decl.type()))) {
            return decl;
        }
        Map<String, Decl> fields = structFields.get(bare(decl.type()));
        if (fields != null) {
            for (Map.Entry<String, Decl> f : fields.entrySet()) {
                if (f.getKey().startsWith(EMBEDDED) && POOLS.contains(bare(f.getValue().type()))) {
                    return new Decl(f.getValue().type(), f.getValue().line(), decl.how() + " of type "
                            + bare(decl.type()) + ", which embeds " + f.getValue().type());
                }
            }
        }
        return null;
    }

    private Decl typeOf(TSNode e, Map<String, Decl> locals) {
        if (e == null) {
            return null;
        }
        if (e.getType().equals("identifier")) {
            return locals.get(tree.text(e));
        }
        if (e.getType().equals("selector_expression")) {
            Decl owner = typeOf(GoSyntax.field(e, "operand"), locals);
            if (owner == null) {
                return null;
            }
            Map<String, Decl> fields = structFields.get(bare(owner.type()));
            return fields == null ? null : fields.get(tree.text(GoSyntax.field(e, "field")));
        }
        return null;
    }

    private static String bare(String type) {
        String t = type.strip();
        while (t.startsWith("*")) {
            t = t.substring(1);
        }
        return t;
    }

    private static boolean singleStatement(String sql) {
        String s = sql.strip();
        int semi = s.indexOf(';');
        return semi < 0 || semi == s.length() - 1;
    }

    private static String cut(String s) {
        String one = s.replaceAll("\\s+", " ").strip();
        return one.length() <= 60 ? one : one.substring(0, 57) + "...";
    }

    /** Reports, replacing the token analysis's finding of the same rule on the same line (this one names the type). */
    private void report(Rule rule, int line, int column, String message) {
        out.findings().removeIf(f -> f.rule() == rule && f.line() == line);
        out.report(rule, line, column, message);
    }
}
