package io.lockwarden.scan.internal;

import com.github.javaparser.ast.ImportDeclaration;
import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.body.VariableDeclarator;
import com.github.javaparser.ast.expr.CastExpr;
import com.github.javaparser.ast.expr.ConditionalExpr;
import com.github.javaparser.ast.expr.EnclosedExpr;
import com.github.javaparser.ast.expr.Expression;
import com.github.javaparser.ast.expr.LambdaExpr;
import com.github.javaparser.ast.expr.MethodCallExpr;
import com.github.javaparser.ast.expr.NameExpr;
import com.github.javaparser.ast.stmt.ExpressionStmt;
import com.github.javaparser.ast.stmt.ReturnStmt;
import com.github.javaparser.ast.stmt.Statement;
import com.github.javaparser.ast.stmt.TryStmt;
import io.lockwarden.scan.Rule;
import java.util.Set;

/**
 * LW108: a Lockwarden {@code SessionLock} from {@code acquire}/{@code tryAcquire} that is not closed by
 * try-with-resources, closed at once, closed by a callback, or returned to a caller. A handle held in an
 * {@code Optional} (from {@code tryAcquire}, or wrapped by {@code Optional.of}) counts as closed when the same
 * method unwraps that Optional into a try-with-resources resource ({@code try (SessionLock l = lock.get())}).
 * One instance per file; not thread safe.
 */
final class JavaHandleCheck {
    private static final Set<String> HANDLE_METHODS = Set.of("acquire", "tryAcquire", "acquireOn", "tryAcquireOn");
    private static final Set<String> UNWRAP_METHODS = Set.of("get", "orElseThrow");

    private final JavaSqlEvaluator ev;
    private final JavaReceivers receivers;
    private final FileAnalysis out;

    JavaHandleCheck(JavaSqlEvaluator ev, JavaReceivers receivers, FileAnalysis out) {
        this.ev = ev;
        this.receivers = receivers;
        this.out = out;
    }

    void run() {
        boolean usesLockwarden = ev.unit().getPackageDeclaration().map(p -> p.getNameAsString().startsWith("io.lockwarden"))
                .orElse(false);
        for (ImportDeclaration i : ev.unit().getImports()) {
            usesLockwarden |= i.getNameAsString().startsWith("io.lockwarden");
        }
        if (!usesLockwarden) {
            return;
        }
        for (MethodCallExpr mc : ev.unit().findAll(MethodCallExpr.class)) {
            String name = mc.getNameAsString();
            if (!HANDLE_METHODS.contains(name)) {
                continue;
            }
            Expression outer = JavaResultUse.outermost(mc);
            if (closedAtOnce(mc) || closedByCallback(mc)) {
                continue;
            }
            Holder holder = holderOf(outer, outer == mc && name.startsWith("try"));
            Node parent = holder.expr().getParentNode().orElse(null);
            String declaredType = parent instanceof VariableDeclarator v ? v.getTypeAsString() : null;
            String scopeType = mc.getScope().map(sc -> JavaReceivers.scopeName(sc)).map(n -> receivers.typeOf(n, mc)).orElse(null);
            boolean lockwardenCall = "AdvisoryLocks".equals(scopeType)
                    || declaredType != null && declaredType.contains("SessionLock");
            boolean returnsHandle = parent instanceof ReturnStmt && (outer == mc || outer instanceof MethodCallExpr om
                    && (om.getNameAsString().equals("orElseThrow") || om.getNameAsString().equals("get"))
                    && om.getScope().orElse(null) == mc);
            boolean lambdaReturnsHandle = outer == mc && parent instanceof ExpressionStmt es
                    && es.getParentNode().orElse(null) instanceof LambdaExpr l && l.getExpressionBody().isPresent();
            if (!lockwardenCall || inTryResource(mc) || returnsHandle || lambdaReturnsHandle) {
                continue;
            }
            String var = JavaResultUse.assignedVariable(holder.expr());
            Node method = JavaSqlEvaluator.scopeOf(mc);
            if (var != null && (holder.optional() ? unwrappedAsTryResource(var, method)
                    : usedAsTryResource(var, method))) {
                continue;
            }
            out.report(Rule.SESSION_HANDLE_NOT_IN_TRY_WITH_RESOURCES, ev.offsetOf(mc), name + "(...) returns a "
                    + "SessionLock that is not closed by try-with-resources: an exception leaks the lock.");
        }
    }

    /** The expression that carries the handle to a variable or return, and whether it is an {@code Optional} there. */
    private record Holder(Expression expr, boolean optional) {
    }

    /**
     * Climbs from the handle through what only wraps it: parentheses, casts, either branch of {@code ?:}, and
     * {@code Optional.of(..)} / {@code Optional.ofNullable(..)}, as in
     * {@code Optional<SessionLock> lock = wait ? Optional.of(locks.acquire(k)) : locks.tryAcquire(k)}.
     */
    private static Holder holderOf(Expression handle, boolean optional) {
        Expression cur = handle;
        while (true) {
            Node p = cur.getParentNode().orElse(null);
            if (p instanceof EnclosedExpr || p instanceof CastExpr) {
                cur = (Expression) p;
            } else if (p instanceof ConditionalExpr c && c.getCondition() != cur) {
                cur = c;
            } else if (p instanceof MethodCallExpr m && wrapsInOptional(m) && m.getArguments().contains(cur)) {
                cur = m;
                optional = true;
            } else {
                return new Holder(cur, optional);
            }
        }
    }

    private static boolean wrapsInOptional(MethodCallExpr m) {
        return (m.getNameAsString().equals("of") || m.getNameAsString().equals("ofNullable"))
                && m.getArguments().size() == 1
                && m.getScope().map(Node::toString)
                        .map(sc -> sc.equals("Optional") || sc.equals("java.util.Optional")).orElse(false);
    }

    /** {@code try (SessionLock held = lock.get())}: the Optional named {@code var} is unwrapped into a resource. */
    private static boolean unwrappedAsTryResource(String var, Node scope) {
        for (TryStmt t : scope.findAll(TryStmt.class)) {
            for (Expression r : t.getResources()) {
                for (MethodCallExpr m : r.findAll(MethodCallExpr.class)) {
                    if (UNWRAP_METHODS.contains(m.getNameAsString()) && m.getScope().orElse(null) instanceof NameExpr n
                            && n.getNameAsString().equals(var)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** {@code locks.acquire(k).close()}: nothing runs while it is held. */
    private static boolean closedAtOnce(MethodCallExpr acquire) {
        return acquire.getParentNode().orElse(null) instanceof MethodCallExpr m
                && m.getScope().orElse(null) == acquire && m.getNameAsString().equals("close");
    }

    /** {@code locks.tryAcquire(k).ifPresent(lock -> { try (lock) { ... } })} and similar callbacks. */
    private static boolean closedByCallback(MethodCallExpr acquire) {
        Expression cur = acquire;
        while (cur.getParentNode().orElse(null) instanceof MethodCallExpr m && m.getScope().orElse(null) == cur) {
            for (Expression a : m.getArguments()) {
                if (a instanceof LambdaExpr l && l.getParameters().size() == 1
                        && usedAsTryResource(l.getParameter(0).getNameAsString(), l.getBody())) {
                    return true;
                }
            }
            cur = m;
        }
        return false;
    }

    private static boolean inTryResource(Node n) {
        Node child = n;
        for (Node p = n.getParentNode().orElse(null); p != null; child = p, p = p.getParentNode().orElse(null)) {
            if (p instanceof TryStmt t) {
                return t.getResources().contains(child);
            }
            if (p instanceof Statement || p instanceof LambdaExpr) {
                return false;
            }
        }
        return false;
    }

    private static boolean usedAsTryResource(String var, Node scope) {
        for (TryStmt t : scope.findAll(TryStmt.class)) {
            for (Expression r : t.getResources()) {
                if (r.findAll(NameExpr.class).stream().anyMatch(nm -> nm.getNameAsString().equals(var))
                        || r instanceof NameExpr nm && nm.getNameAsString().equals(var)) {
                    return true;
                }
            }
        }
        return false;
    }
}
