package io.lockwarden.scan.internal;

import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.body.MethodDeclaration;
import com.github.javaparser.ast.body.VariableDeclarator;
import com.github.javaparser.ast.expr.BinaryExpr;
import com.github.javaparser.ast.expr.Expression;
import com.github.javaparser.ast.expr.LambdaExpr;
import com.github.javaparser.ast.expr.MethodCallExpr;
import com.github.javaparser.ast.expr.NameExpr;
import com.github.javaparser.ast.expr.StringLiteralExpr;
import com.github.javaparser.ast.expr.TextBlockLiteralExpr;
import com.github.javaparser.ast.stmt.BlockStmt;
import com.github.javaparser.ast.stmt.BreakStmt;
import com.github.javaparser.ast.stmt.CatchClause;
import com.github.javaparser.ast.stmt.DoStmt;
import com.github.javaparser.ast.stmt.ExpressionStmt;
import com.github.javaparser.ast.stmt.ForEachStmt;
import com.github.javaparser.ast.stmt.ForStmt;
import com.github.javaparser.ast.stmt.ReturnStmt;
import com.github.javaparser.ast.stmt.Statement;
import com.github.javaparser.ast.stmt.TryStmt;
import com.github.javaparser.ast.stmt.WhileStmt;
import io.lockwarden.scan.Rule;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The Java checks for what real projects got wrong (LW109 to LW114): locks and unlocks sent through a
 * pool-backed API, try-lock results not read as booleans, session locks stacked by loops and schedules,
 * unlocks that cannot run, transaction-level locks next to {@code CREATE INDEX CONCURRENTLY}; and the
 * ownership transfer that is not a leak (a locked connection returned to the caller). One instance per
 * file; not thread safe.
 */
final class JavaIdiomChecks {
    private static final Set<String> POOLED_APIS = Set.of("JdbcTemplate", "JdbcOperations",
            "NamedParameterJdbcTemplate", "NamedParameterJdbcOperations", "JdbcClient", "DSLContext");
    private static final Set<String> SCHEDULERS = Set.of("scheduleAtFixedRate", "scheduleWithFixedDelay");
    private static final Set<String> STATEMENT_FACTORIES = Set.of("prepareStatement", "createStatement", "prepareCall");

    private final JavaSqlEvaluator ev;
    private final JavaReceivers receivers;
    private final JavaReleases releases;
    private final FileAnalysis out;
    private Boolean concurrentDdl; // found on first use: most files never need it

    JavaIdiomChecks(JavaSqlEvaluator ev, JavaReceivers receivers, JavaReleases releases, FileAnalysis out) {
        this.ev = ev;
        this.receivers = receivers;
        this.releases = releases;
        this.out = out;
    }

    /** True when the file runs CREATE/DROP INDEX CONCURRENTLY or REINDEX CONCURRENTLY. */
    boolean concurrentDdl() {
        if (concurrentDdl == null) {
            concurrentDdl = SqlText.indexOfIgnoreCase(ev.text(), "concurrently", 0) >= 0
                    && runsConcurrentDdl(ev.unit());
        }
        return concurrentDdl;
    }

    /**
     * Runs LW109 to LW114 on one site; {@code txOf} gives its transaction context, asked only when a check
     * needs it (it reads the whole method).
     */
    void check(JavaLockSite s, Supplier<JavaAnalyzer.Tx> txOf, int offset, String call, List<JavaLockSite> sites) {
        LockFunction fn = s.fn();
        String pooled = fn.isSessionLock() || fn.isUnlock() ? pooledHandle(s) : null;
        if (pooled != null && txOf.get() != JavaAnalyzer.Tx.TX) {
            out.report(Rule.LOCK_THROUGH_POOL, offset, call + " goes through " + pooled + ", which borrows a pooled "
                    + "connection per call outside a transaction: the unlock may run on another session, return "
                    + "false and leave the lock on a pooled connection. Pin one Connection (or ConnectionCallback).");
        } else if (fn.isUnlock()) {
            otherConnection(s, sites, offset, call);
        }
        if (fn.isLock() && !fn.isBlocking()) {
            tryLockRead(s, offset, call);
        }
        if (fn.isSessionLock()) {
            reentrant(s, offset, call);
        }
        if (fn.isUnlock()) {
            unlockCannotRun(s, txOf, offset, call);
        }
        if (fn.isXactLock()) {
            endsEarly(s, offset, call);
        }
        boolean ddlNearby = (fn.isXactLock() || fn.isSessionLock() && fn.isBlocking()) && concurrentDdl()
                && runsConcurrentDdl(s.scope()) && (fn.isXactLock() || txOf.get() == JavaAnalyzer.Tx.TX);
        if (ddlNearby) {
            out.report(Rule.XACT_LOCK_WITH_CONCURRENT_INDEX, offset, call + (fn.isXactLock()
                    ? " holds a transaction open" : " waits inside a transaction")
                    + " in a file that runs CREATE INDEX CONCURRENTLY, which waits for that transaction: a "
                    + "self-deadlock. Use a session lock on a dedicated autocommit connection instead.");
        }
    }

    /** The method (or initializer) runs CREATE INDEX CONCURRENTLY or a similar statement. */
    private static boolean runsConcurrentDdl(Node n) {
        return n.findAll(StringLiteralExpr.class).stream().anyMatch(x -> SqlText.runsConcurrentDdl(x.getValue()))
                || n.findAll(TextBlockLiteralExpr.class).stream().anyMatch(x -> SqlText.runsConcurrentDdl(x.getValue()));
    }

    // ---------------------------------------------------------------- LW109

    /** The name of the pool-backed handle the site's call chain starts from, or null. */
    private String pooledHandle(JavaLockSite s) {
        // the carrier itself, or the call it is an argument of: dsl.select(DSL.function("pg_try_advisory_lock", ...))
        Node n = s.carrier();
        for (int hops = 0; n instanceof MethodCallExpr mc && hops < 4; hops++, n = n.getParentNode().orElse(null)) {
            String name = pooledRoot(mc);
            if (name != null) {
                return name;
            }
        }
        return null;
    }

    private String pooledRoot(MethodCallExpr mc) {
        String name = JavaReceivers.handleOf(mc);
        String type = name == null ? null : receivers.typeOf(name, mc);
        if (type == null || !POOLED_APIS.contains(type) || JavaReceivers.importedFromElsewhere(type, mc)) {
            return null;
        }
        for (VariableDeclarator v : ev.declarators(JavaSqlEvaluator.scopeOf(mc))) {
            if (v.getNameAsString().equals(name) && v.getInitializer().map(i -> i.toString()
                    .contains("SingleConnectionDataSource")).orElse(false)) {
                return null; // a template over one pinned connection
            }
        }
        return name;
    }

    /** The unlock runs on another Connection variable than the lock (both declared as Connection). */
    private void otherConnection(JavaLockSite unlock, List<JavaLockSite> sites, int offset, String call) {
        String u = connectionOf(unlock.carrier());
        if (u == null) {
            return;
        }
        for (JavaLockSite lock : sites) {
            if (!lock.fn().isSessionLock() || !lock.carrier().getBegin().flatMap(b -> unlock.carrier().getBegin()
                    .map(b::isBefore)).orElse(false)) {
                continue;
            }
            String l = connectionOf(lock.carrier());
            if (l != null && !l.equals(u) && (lock.keyText().equals(unlock.keyText()) || !unlock.keysKnown())) {
                out.report(Rule.LOCK_THROUGH_POOL, offset, call + " runs on " + u + " but the lock was taken on " + l
                        + ": another session, so the unlock returns false and the lock stays held.");
                return;
            }
        }
    }

    /** The Connection variable a JDBC call goes through: conn.prepareStatement(..), or ps declared from it. */
    private String connectionOf(MethodCallExpr carrier) {
        String name = JavaReceivers.handleOf(carrier);
        String type = name == null ? null : receivers.typeOf(name, carrier);
        if ("Connection".equals(type)) {
            return name;
        }
        if (type != null && type.endsWith("Statement")) {
            for (VariableDeclarator v : ev.declarators(JavaSqlEvaluator.scopeOf(carrier))) {
                if (v.getNameAsString().equals(name) && v.getInitializer().orElse(null) instanceof MethodCallExpr init
                        && STATEMENT_FACTORIES.contains(init.getNameAsString()) && init.getScope().isPresent()) {
                    String c = JavaReceivers.scopeName(init.getScope().get());
                    return c != null && "Connection".equals(receivers.typeOf(c, init)) ? c : null;
                }
            }
        }
        return null;
    }

    /** Idiom 7: {@code Connection c = ds.getConnection(); lock(c); return c;}: the caller owns the lock now. */
    boolean returnsConnection(JavaLockSite s) {
        String conn = connectionOf(s.carrier());
        if (conn == null) {
            conn = JavaReceivers.handleOf(s.carrier());
        }
        if (conn == null || !(s.scope() instanceof MethodDeclaration m)) {
            return false;
        }
        String c = conn;
        return m.findAll(ReturnStmt.class).stream().anyMatch(r -> r.getExpression()
                .map(e -> e instanceof NameExpr n && n.getNameAsString().equals(c)).orElse(false));
    }

    // ---------------------------------------------------------------- LW110

    private void tryLockRead(JavaLockSite s, int offset, String call) {
        MethodCallExpr carrier = s.carrier();
        Expression outer = JavaResultUse.outermost(carrier);
        boolean bareStatement = outer.getParentNode().orElse(null) instanceof ExpressionStmt;
        if (carrier.getNameAsString().equals("execute") && !bareStatement && !JavaResultUse.readsResultSet(s.scope())) {
            out.report(Rule.TRY_LOCK_RESULT_UNREAD, offset, call + ": the boolean of execute() only says that a "
                    + "result set came back, not that the lock was taken; read the result set's boolean.");
            return;
        }
        if (JavaResultUse.resultIgnored(s)) {
            out.report(Rule.TRY_LOCK_RESULT_UNREAD, offset, call + " result is never read: the work runs whether "
                    + "or not this session got the lock.");
            return;
        }
        for (StringLiteralExpr lit : s.scope().findAll(StringLiteralExpr.class)) {
            if (!lit.getValue().equals("t")) {
                continue;
            }
            Node p = lit.getParentNode().orElse(null);
            boolean compared = p instanceof MethodCallExpr m && (m.getNameAsString().equals("equals")
                    || m.getNameAsString().equals("equalsIgnoreCase"))
                    || p instanceof BinaryExpr b && (b.getOperator() == BinaryExpr.Operator.EQUALS
                    || b.getOperator() == BinaryExpr.Operator.NOT_EQUALS);
            if (compared) {
                out.report(Rule.TRY_LOCK_RESULT_UNREAD, offset, call + " result is read as a string and compared "
                        + "with \"t\": read it with getBoolean.");
                return;
            }
        }
    }

    // ---------------------------------------------------------------- LW111

    private void reentrant(JavaLockSite s, int offset, String call) {
        Node loop = null;
        boolean scheduled = false;
        for (Node n = s.carrier(); n != null && n != s.scope(); n = n.getParentNode().orElse(null)) {
            if (n instanceof ForStmt || n instanceof ForEachStmt || n instanceof WhileStmt || n instanceof DoStmt) {
                loop = n;
                break;
            }
            if (n instanceof LambdaExpr && n.getParentNode().orElse(null) instanceof MethodCallExpr mc
                    && SCHEDULERS.contains(mc.getNameAsString())) {
                loop = n;
                scheduled = true;
                break;
            }
        }
        if (loop == null && s.scope() instanceof MethodDeclaration m
                && m.getAnnotations().stream().anyMatch(a -> a.getNameAsString().equals("Scheduled"))) {
            loop = m;
            scheduled = true;
        }
        if (loop == null || releases.releasesIn(loop) || tracksHeldState(s.carrier(), loop) || keyPerPass(s, loop)) {
            return;
        }
        boolean exits = !loop.findAll(BreakStmt.class).isEmpty() || !loop.findAll(ReturnStmt.class).isEmpty()
                || loop instanceof WhileStmt w && w.getCondition().findFirst(MethodCallExpr.class).isPresent();
        if (!scheduled && !s.fn().isBlocking() && exits) {
            return; // retry until acquired: the loop ends when the lock is taken
        }
        out.report(Rule.REENTRANT_SESSION_LOCK, offset, call + " is taken on every " + (scheduled ? "scheduled run"
                : "pass of this loop") + " without an unlock in the same run: session locks are counted, so a "
                + "session that already holds it stacks another hold and one unlock never frees it.");
    }

    /** {@code for (long k : keys) lock(k)}: the key changes with the loop variable, so each pass takes another lock. */
    private static boolean keyPerPass(JavaLockSite s, Node loop) {
        Set<String> vars = new java.util.HashSet<>();
        if (loop instanceof ForStmt f) {
            f.getInitialization().forEach(i -> i.findAll(VariableDeclarator.class).forEach(v -> vars.add(v.getNameAsString())));
            f.getUpdate().forEach(u -> u.findAll(NameExpr.class).forEach(n -> vars.add(n.getNameAsString())));
        } else if (loop instanceof ForEachStmt f) {
            f.getVariable().getVariables().forEach(v -> vars.add(v.getNameAsString()));
        }
        for (String k : s.keys()) {
            for (String v : vars) {
                if (k != null && Pattern.compile("\\b" + Pattern.quote(v.toLowerCase(java.util.Locale.ROOT)) + "\\b")
                        .matcher(k).find()) {
                    return true;
                }
            }
        }
        return false;
    }

    /** {@code if (!leader) { leader = tryLock(); }}: the session only locks again when it knows it does not hold it. */
    private static boolean tracksHeldState(Node site, Node loop) {
        for (Node n = site.getParentNode().orElse(null); n != null && n != loop; n = n.getParentNode().orElse(null)) {
            if (n instanceof com.github.javaparser.ast.stmt.IfStmt ifs && site.isDescendantOf(ifs.getThenStmt())) {
                Set<String> names = new java.util.HashSet<>();
                ifs.getCondition().findAll(NameExpr.class).forEach(x -> names.add(x.getNameAsString()));
                boolean assigned = ifs.getThenStmt().findAll(com.github.javaparser.ast.expr.AssignExpr.class).stream()
                        .anyMatch(a -> a.getTarget() instanceof NameExpr t && names.contains(t.getNameAsString())
                                || a.getTarget() instanceof com.github.javaparser.ast.expr.FieldAccessExpr f
                                && names.contains(f.getNameAsString()));
                if (assigned) {
                    return true;
                }
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- LW112

    /** {@code xact lock; ...; conn.commit(); st.executeUpdate(...)}: the statements after the commit run unprotected. */
    private void endsEarly(JavaLockSite s, int offset, String call) {
        com.github.javaparser.Position at = s.carrier().getEnd().orElse(null);
        if (at == null) {
            return;
        }
        MethodCallExpr commit = null;
        for (MethodCallExpr mc : s.scope().findAll(MethodCallExpr.class)) {
            if (!mc.getBegin().map(b -> b.isAfter(at)).orElse(false)) {
                continue;
            }
            if (commit == null) {
                String n = mc.getNameAsString();
                if ((n.equals("commit") || n.equals("rollback")) && mc.getArguments().isEmpty()) {
                    commit = mc;
                }
                continue;
            }
            for (Expression a : mc.getArguments()) {
                String sql = ev.eval(a, 0);
                if (sql != null && SqlText.isStatement(sql)) {
                    out.report(Rule.XACT_LOCK_ENDS_EARLY, offset, call + " ends at the " + commit.getNameAsString()
                            + "() on line " + commit.getBegin().map(p -> p.line).orElse(0) + ", but the method runs "
                            + "more SQL after it: that work is not protected by the lock.");
                    return;
                }
            }
        }
    }

    // ---------------------------------------------------------------- LW113

    private void unlockCannotRun(JavaLockSite s, Supplier<JavaAnalyzer.Tx> txOf, int offset, String call) {
        Node child = s.carrier();
        for (Node p = child.getParentNode().orElse(null); p != null && child != s.scope();
             child = p, p = p.getParentNode().orElse(null)) {
            if (p instanceof TryStmt t && child == t.getTryBlock() && !t.getCatchClauses().isEmpty()
                    && t.getCatchClauses().stream().allMatch(JavaIdiomChecks::swallows)) {
                out.report(Rule.UNLOCK_CANNOT_RUN, offset, call + " failure is swallowed by an empty catch: if the "
                        + "unlock fails the lock stays held and nobody hears of it; log or rethrow, and close the "
                        + "connection instead of returning it to the pool.");
                return;
            }
            if (p instanceof TryStmt t && t.getFinallyBlock().map(f -> f == childBlock(t, s.carrier())).orElse(false)
                    && !rollsBackFirst(t.getFinallyBlock().get(), s.carrier()) && txOf.get() == JavaAnalyzer.Tx.TX) {
                out.report(Rule.UNLOCK_CANNOT_RUN, offset, call + " runs in finally inside a transaction: after an "
                        + "error the transaction is aborted and the unlock fails (\"current transaction is aborted\"). "
                        + "Roll back first, then unlock, or use the _xact_ variant.");
                return;
            }
        }
    }

    private static BlockStmt childBlock(TryStmt t, Node n) {
        BlockStmt f = t.getFinallyBlock().orElse(null);
        return f != null && n.isDescendantOf(f) ? f : null;
    }

    private static boolean swallows(CatchClause c) {
        return c.getBody().getStatements().isEmpty();
    }

    private static boolean rollsBackFirst(BlockStmt finallyBlock, MethodCallExpr unlock) {
        for (Statement st : finallyBlock.getStatements()) {
            if (unlock.isDescendantOf(st)) {
                return false;
            }
            if (st.findAll(MethodCallExpr.class).stream().anyMatch(m -> m.getNameAsString().equals("rollback"))) {
                return true;
            }
        }
        return false;
    }
}
