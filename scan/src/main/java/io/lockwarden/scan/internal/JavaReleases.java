package io.lockwarden.scan.internal;

import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.NodeList;
import com.github.javaparser.ast.body.ClassOrInterfaceDeclaration;
import com.github.javaparser.ast.body.MethodDeclaration;
import com.github.javaparser.ast.body.TypeDeclaration;
import com.github.javaparser.ast.expr.Expression;
import com.github.javaparser.ast.expr.MethodCallExpr;
import com.github.javaparser.ast.expr.ObjectCreationExpr;
import com.github.javaparser.ast.stmt.BlockStmt;
import com.github.javaparser.ast.stmt.ExpressionStmt;
import com.github.javaparser.ast.stmt.IfStmt;
import com.github.javaparser.ast.stmt.ReturnStmt;
import com.github.javaparser.ast.stmt.Statement;
import com.github.javaparser.ast.stmt.ThrowStmt;
import com.github.javaparser.ast.stmt.TryStmt;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Release reachability for Java (LW101): whether a lock site is followed, on every path, by an unlock in a
 * {@code finally} (of a try that contains the lock or directly follows it), the {@code close()} of a
 * Closeable handle, or belongs to a lock primitive of a wrapper class whose callers release. One instance
 * per file; not thread safe.
 */
final class JavaReleases {
    private static final Set<String> ALLOWED_BETWEEN = Set.of("setLong", "setInt", "setObject", "setString",
            "setShort", "executeQuery", "execute", "next", "getBoolean", "getLong", "getInt", "close", "debug",
            "info", "trace", "warn", "log", "println", "printf", "getResultSet", "queryForObject", "single",
            "query", "param", "sql", "fetchValue", "getSingleResult", "setParameter", "equals", "isPresent",
            "isEmpty", "orElse", "booleanValue", "TRUE");
    private static final Pattern RELEASE_CALL = Pattern.compile("(?i).*(unlock|release).*");
    private static final Pattern LOCK_METHOD = Pattern.compile("(?i).*(lock|acquire).*");

    private final JavaSqlEvaluator ev;
    private final Set<String> methodsWithRelease;
    private final Set<String> typesWithRelease;

    JavaReleases(JavaSqlEvaluator ev, Set<String> methodsWithRelease, Set<String> typesWithRelease) {
        this.ev = ev;
        this.methodsWithRelease = methodsWithRelease;
        this.typesWithRelease = typesWithRelease;
    }

    boolean guarded(JavaLockSite s) {
        Node scope = s.scope();
        Optional<TypeDeclaration> type = s.carrier().findAncestor(TypeDeclaration.class);
        if (type.isPresent()) {
            TypeDeclaration<?> t = type.get();
            if (t instanceof ClassOrInterfaceDeclaration c && c.getImplementedTypes().stream()
                    .anyMatch(it -> it.getNameAsString().endsWith("Closeable"))) {
                for (MethodDeclaration close : t.getMethodsByName("close")) {
                    if (close.getBody().isPresent() && releasesIn(close.getBody().get())) {
                        return true;
                    }
                }
            }
            if (scope instanceof MethodDeclaration m && LOCK_METHOD.matcher(m.getNameAsString()).matches()
                    && !m.getNameAsString().toLowerCase(Locale.ROOT).contains("unlock")
                    && typesWithRelease.contains(t.getNameAsString())
                    && !releasesIn(m)) {
                return true; // a lock primitive of a wrapper class; its callers own the release
            }
        }
        Node child = s.carrier();
        for (Node p = child.getParentNode().orElse(null); p != null && child != scope;
             child = p, p = p.getParentNode().orElse(null)) {
            if (p instanceof TryStmt t && t.getFinallyBlock().isPresent()
                    && child != t.getFinallyBlock().get()
                    && releasesIn(t.getFinallyBlock().get())) {
                return true;
            }
            if (p instanceof IfStmt ifs && child == ifs.getCondition()
                    && startsWithReleasingTry(ifs.getThenStmt())) {
                return true;
            }
            if (p instanceof BlockStmt block && child instanceof Statement st) {
                NodeList<Statement> stmts = block.getStatements();
                for (int i = stmts.indexOf(st) + 1; i < stmts.size(); i++) {
                    Statement next = stmts.get(i);
                    if (next instanceof TryStmt t && t.getFinallyBlock().isPresent()
                            && releasesIn(t.getFinallyBlock().get())) {
                        return true;
                    }
                    if (!harmless(next)) {
                        break;
                    }
                }
            }
        }
        return false;
    }

    private boolean startsWithReleasingTry(Statement then) {
        if (then instanceof TryStmt t) {
            return t.getFinallyBlock().isPresent() && releasesIn(t.getFinallyBlock().get());
        }
        if (then instanceof BlockStmt b) {
            for (Statement st : b.getStatements()) {
                if (st instanceof TryStmt) {
                    return startsWithReleasingTry(st);
                }
                if (!harmless(st)) {
                    return false;
                }
            }
        }
        return false;
    }

    /** A statement between lock and try that cannot plausibly throw past the lock. */
    private static boolean harmless(Statement st) {
        if (st instanceof IfStmt ifs) {
            Statement then = ifs.getThenStmt();
            boolean exits = then instanceof ReturnStmt || then instanceof ThrowStmt
                    || then instanceof BlockStmt b && b.getStatements().stream()
                    .allMatch(x -> x instanceof ReturnStmt || x instanceof ThrowStmt || harmless(x));
            return exits && ifs.getElseStmt().isEmpty() && callsAllowed(ifs.getCondition());
        }
        if (st instanceof ExpressionStmt || st.isLocalClassDeclarationStmt()) {
            return callsAllowed(st);
        }
        return false;
    }

    private static boolean callsAllowed(Node n) {
        return n.findAll(MethodCallExpr.class).stream().allMatch(m -> ALLOWED_BETWEEN.contains(m.getNameAsString()))
                && n.findAll(ObjectCreationExpr.class).isEmpty();
    }

    boolean releasesIn(Node block) {
        for (MethodCallExpr mc : block.findAll(MethodCallExpr.class)) {
            String name = mc.getNameAsString();
            if (RELEASE_CALL.matcher(name).matches() || methodsWithRelease.contains(name) && mc.getScope()
                    .map(sc -> sc.isThisExpr()).orElse(true)) {
                return true;
            }
            for (Expression a : mc.getArguments()) {
                String sql = ev.eval(a, 0);
                LockFunction named = sql == null ? null : LockFunction.byBareName(sql);
                if (named != null && named.isRelease()
                        || sql != null && SqlText.lockCalls(sql).stream().anyMatch(c -> c.function().isRelease())) {
                    return true;
                }
            }
        }
        return false;
    }
}
