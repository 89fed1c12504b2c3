package io.lockwarden.scan.internal;

import com.github.javaparser.Position;
import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.body.VariableDeclarator;
import com.github.javaparser.ast.expr.AssignExpr;
import com.github.javaparser.ast.expr.CastExpr;
import com.github.javaparser.ast.expr.EnclosedExpr;
import com.github.javaparser.ast.expr.Expression;
import com.github.javaparser.ast.expr.MethodCallExpr;
import com.github.javaparser.ast.expr.NameExpr;
import com.github.javaparser.ast.stmt.BlockStmt;
import com.github.javaparser.ast.stmt.ExpressionStmt;
import com.github.javaparser.ast.stmt.TryStmt;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Whether the boolean a lock function returns is read (LW105 for unlocks, LW110 for try-locks): the
 * carrying call discards it ({@code executeUpdate}, {@code execute}), the call is a bare statement, or a
 * prepared statement is later executed without reading the result set. Stateless.
 */
final class JavaResultUse {
    private static final Set<String> RESULT_DISCARDING = Set.of("executeUpdate", "executeLargeUpdate", "update",
            "batchUpdate", "addBatch", "execute");

    private JavaResultUse() {
    }

    static boolean resultIgnored(JavaLockSite s) {
        int off = s.call().offset();
        String before = s.sql().substring(0, off).stripTrailing().toLowerCase(Locale.ROOT);
        if (before.endsWith("perform")) {
            return true;
        }
        MethodCallExpr carrier = s.carrier();
        String name = carrier.getNameAsString();
        if (RESULT_DISCARDING.contains(name)) {
            return !readsResultSet(s.scope());
        }
        Expression outer = outermost(carrier);
        if (outer instanceof MethodCallExpr om && RESULT_DISCARDING.contains(om.getNameAsString())) {
            return true;
        }
        if (outer.getParentNode().orElse(null) instanceof ExpressionStmt) {
            return true;
        }
        String var = assignedVariable(outer);
        if (var != null) {
            for (MethodCallExpr mc : usesAfter(outer, carrier)) {
                if (mc.getScope().map(sc -> sc instanceof NameExpr n && n.getNameAsString().equals(var))
                        .orElse(false)) {
                    String m = mc.getNameAsString();
                    if (m.equals("executeUpdate") || m.equals("executeLargeUpdate")
                            || m.equals("execute") && !readsResultSet(s.scope())) {
                        return true;
                    }
                    if ((m.equals("executeQuery") || m.equals("getSingleResult") || m.equals("uniqueResult"))
                            && outermost(mc).getParentNode().orElse(null) instanceof ExpressionStmt) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** Method calls after {@code carrier} within the block or try statement that declares the variable. */
    static List<MethodCallExpr> usesAfter(Expression declared, MethodCallExpr carrier) {
        Node region = null;
        for (Node p = declared.getParentNode().orElse(null); p != null; p = p.getParentNode().orElse(null)) {
            if (p instanceof TryStmt || p instanceof BlockStmt) {
                region = p;
                break;
            }
        }
        if (region == null) {
            return List.of();
        }
        Position at = carrier.getEnd().orElse(null);
        List<MethodCallExpr> out = new ArrayList<>();
        for (MethodCallExpr mc : region.findAll(MethodCallExpr.class)) {
            if (at != null && mc.getBegin().map(b -> b.isAfter(at)).orElse(false)) {
                out.add(mc);
            }
        }
        return out;
    }

    static boolean readsResultSet(Node scope) {
        return scope.findAll(MethodCallExpr.class).stream().anyMatch(m -> m.getNameAsString().equals("getResultSet"));
    }

    static Expression outermost(Expression e) {
        Expression cur = e;
        while (true) {
            Node p = cur.getParentNode().orElse(null);
            if (p instanceof MethodCallExpr m && m.getScope().orElse(null) == cur) {
                cur = m;
            } else if (p instanceof EnclosedExpr || p instanceof CastExpr) {
                cur = (Expression) p;
            } else {
                return cur;
            }
        }
    }

    static String assignedVariable(Expression e) {
        Node p = e.getParentNode().orElse(null);
        if (p instanceof VariableDeclarator v) {
            return v.getNameAsString();
        }
        if (p instanceof AssignExpr a && a.getTarget() instanceof NameExpr n) {
            return n.getNameAsString();
        }
        return null;
    }
}
