package io.lockwarden.scan.internal;

import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.NodeList;
import com.github.javaparser.ast.expr.ArrayCreationExpr;
import com.github.javaparser.ast.expr.ClassExpr;
import com.github.javaparser.ast.expr.Expression;
import com.github.javaparser.ast.expr.IntegerLiteralExpr;
import com.github.javaparser.ast.expr.LambdaExpr;
import com.github.javaparser.ast.expr.LongLiteralExpr;
import com.github.javaparser.ast.expr.MethodCallExpr;
import com.github.javaparser.ast.expr.MethodReferenceExpr;
import com.github.javaparser.ast.expr.NameExpr;
import com.github.javaparser.ast.expr.ObjectCreationExpr;
import com.github.javaparser.ast.expr.StringLiteralExpr;
import com.github.javaparser.ast.expr.UnaryExpr;
import com.github.javaparser.ast.stmt.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The lock key of a Java lock site (LW106, LW107): literal arguments as written, placeholders bound to the
 * arguments of the carrying call, to {@code param}/{@code bind}/{@code setParameter} calls chained on it, or
 * to {@code setLong(1, ...)} on the prepared statement. Stateless.
 */
final class JavaKeyBinding {
    private JavaKeyBinding() {
    }

    static List<String> keysOf(MethodCallExpr carrier, Expression sqlArg, SqlLockCall call, String sql) {
        List<String> keys = new ArrayList<>(call.args().size());
        int positional = countPositional(sql.substring(0, call.offset()));
        for (String a : call.args()) {
            if (!SqlText.isPlaceholder(a)) {
                keys.add(a);
                continue;
            }
            Expression bound = a.startsWith(":") ? boundNamed(carrier, a.substring(1))
                    : boundPositional(carrier, sqlArg, positional);
            if (a.equals("?") || a.startsWith("$")) {
                positional++;
            }
            keys.add(bound == null ? null : keyIdentity(bound));
        }
        return keys;
    }

    private static int countPositional(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '?') {
                n++;
            }
        }
        return n;
    }

    private static String keyIdentity(Expression e) {
        if (e instanceof LongLiteralExpr l) {
            return l.getValue().replaceAll("[lL_]", "");
        }
        if (e instanceof IntegerLiteralExpr i) {
            return i.getValue().replace("_", "");
        }
        if (e instanceof UnaryExpr u && u.getOperator() == UnaryExpr.Operator.MINUS) {
            return "-" + keyIdentity(u.getExpression());
        }
        return e.toString().replaceAll("\\s+", "").toLowerCase(Locale.ROOT);
    }

    private static Expression boundPositional(MethodCallExpr carrier, Expression sqlArg, int index) {
        List<Expression> extras = new ArrayList<>();
        boolean after = false;
        for (Expression a : carrier.getArguments()) {
            if (a == sqlArg) {
                after = true;
                continue;
            }
            if (!after || a instanceof ClassExpr || a instanceof LambdaExpr || a instanceof MethodReferenceExpr
                    || a instanceof ObjectCreationExpr) {
                continue;
            }
            if (a instanceof ArrayCreationExpr arr && arr.getInitializer().isPresent()) {
                extras.addAll(arr.getInitializer().get().getValues());
            } else if (!(a instanceof NameExpr n && n.getNameAsString().toLowerCase(Locale.ROOT).endsWith("mapper"))) {
                extras.add(a);
            }
        }
        if (index < extras.size()) {
            return extras.get(index);
        }
        int pos = 0;
        Expression cur = carrier;
        while (cur.getParentNode().orElse(null) instanceof MethodCallExpr m
                && m.getScope().orElse(null) == cur) {
            String n = m.getNameAsString();
            if ((n.equals("param") || n.equals("bind")) && m.getArguments().size() == 1) {
                if (pos++ == index) {
                    return m.getArgument(0);
                }
            } else if ((n.equals("setParameter") || n.equals("param") || n.equals("bind"))
                    && m.getArguments().size() == 2 && m.getArgument(0) instanceof IntegerLiteralExpr i
                    && i.asNumber().intValue() == index + 1) {
                return m.getArgument(1);
            }
            cur = m;
        }
        String var = JavaResultUse.assignedVariable(JavaResultUse.outermost(carrier));
        if (var != null) {
            for (MethodCallExpr mc : JavaResultUse.usesAfter(JavaResultUse.outermost(carrier), carrier)) {
                if (mc.getNameAsString().startsWith("set") && mc.getArguments().size() == 2
                        && mc.getScope().map(sc -> sc instanceof NameExpr nm && nm.getNameAsString().equals(var))
                        .orElse(false)
                        && mc.getArgument(0) instanceof IntegerLiteralExpr i && i.asNumber().intValue() == index + 1) {
                    return mc.getArgument(1);
                }
            }
        }
        return null;
    }

    private static Expression boundNamed(MethodCallExpr carrier, String name) {
        Node stmt = carrier.findAncestor(Statement.class).map(n -> (Node) n).orElse(carrier);
        for (Node n : stmt.findAll(Node.class)) {
            NodeList<Expression> args = n instanceof MethodCallExpr m ? m.getArguments()
                    : n instanceof ObjectCreationExpr o ? o.getArguments() : null;
            if (args == null) {
                continue;
            }
            for (int i = 0; i + 1 < args.size(); i++) {
                if (args.get(i) instanceof StringLiteralExpr s && s.getValue().equals(name)) {
                    return args.get(i + 1);
                }
            }
        }
        return null;
    }
}
