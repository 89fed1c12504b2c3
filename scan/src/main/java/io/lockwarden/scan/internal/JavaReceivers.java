package io.lockwarden.scan.internal;

import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.body.CallableDeclaration;
import com.github.javaparser.ast.body.FieldDeclaration;
import com.github.javaparser.ast.body.Parameter;
import com.github.javaparser.ast.body.TypeDeclaration;
import com.github.javaparser.ast.body.VariableDeclarator;
import com.github.javaparser.ast.expr.Expression;
import com.github.javaparser.ast.expr.FieldAccessExpr;
import com.github.javaparser.ast.expr.MethodCallExpr;
import com.github.javaparser.ast.expr.NameExpr;
import com.github.javaparser.ast.expr.ObjectCreationExpr;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Receiver type resolution for Java: the declared type of a variable, parameter, field or record component,
 * and what it says about the connection a call runs on (a pool-backed Spring/jOOQ API, a transaction
 * template). One instance per file; not thread safe.
 */
final class JavaReceivers {
    private static final Set<String> TX_TEMPLATE_TYPES = Set.of("TransactionTemplate", "TransactionOperations");
    static final Set<String> TX_CALLBACKS = Set.of("transaction", "transactionResult", "inTransaction",
            "useTransaction", "withTransaction", "doInTransaction", "runInTransaction", "transactionAsync");
    private static final Set<String> MANAGED_APIS = Set.of("JdbcTemplate", "JdbcOperations",
            "NamedParameterJdbcTemplate", "NamedParameterJdbcOperations", "JdbcClient", "DSLContext",
            "EntityManager", "Session", "StatelessSession");
    private static final Pattern MANAGED_NAMES = Pattern.compile(
            "(?i)(jdbcTemplate|namedJdbc\\w*|namedParameterJdbcTemplate|jdbcClient|jdbc|dsl|ctx|create|em|entityManager|session)");

    private final JavaSqlEvaluator ev;

    JavaReceivers(JavaSqlEvaluator ev) {
        this.ev = ev;
    }

    boolean isTxTemplate(Expression scope) {
        if (scope instanceof ObjectCreationExpr o) {
            return TX_TEMPLATE_TYPES.contains(o.getType().getNameAsString());
        }
        String name = scopeName(scope);
        if (name == null) {
            return false;
        }
        String type = typeOf(name, scope);
        if (type != null) {
            return TX_TEMPLATE_TYPES.contains(type);
        }
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.contains("transactiontemplate") || lower.contains("txtemplate");
    }

    boolean isManagedApi(Expression root) {
        String name = root == null ? null : scopeName(root);
        if (name == null) {
            return false;
        }
        String type = typeOf(name, root);
        if (type != null) {
            return MANAGED_APIS.contains(type) && !importedFromElsewhere(type, root);
        }
        return MANAGED_NAMES.matcher(name).matches();
    }

    /** The variable or {@code this.field} a call chain starts from ({@code jdbc} in {@code jdbc.query(...).list()}), or null. */
    static String handleOf(MethodCallExpr mc) {
        Expression root = chainRoot(mc);
        return root == null ? null : scopeName(root);
    }

    static Expression chainRoot(MethodCallExpr mc) {
        Expression e = mc;
        while (e instanceof MethodCallExpr m && m.getScope().isPresent()) {
            e = m.getScope().get();
        }
        return e == mc ? null : e;
    }

    static String scopeName(Expression e) {
        if (e instanceof NameExpr n) {
            return n.getNameAsString();
        }
        if (e instanceof FieldAccessExpr f && f.getScope().isThisExpr()) {
            return f.getNameAsString();
        }
        return null;
    }

    /** Simple type name declared for a variable, parameter or field visible at {@code at}; null if unknown. */
    String typeOf(String name, Node at) {
        Node scope = JavaSqlEvaluator.scopeOf(at);
        if (scope instanceof CallableDeclaration<?> c) {
            for (Parameter p : c.getParameters()) {
                if (p.getNameAsString().equals(name)) {
                    return simple(p.getTypeAsString());
                }
            }
        }
        for (VariableDeclarator v : ev.declarators(scope)) {
            if (v.getNameAsString().equals(name)) {
                String t = v.getTypeAsString();
                if (t.equals("var") && v.getInitializer().orElse(null) instanceof ObjectCreationExpr o) {
                    return o.getType().getNameAsString();
                }
                return t.equals("var") ? null : simple(t);
            }
        }
        for (Node n = at; n != null; n = n.getParentNode().orElse(null)) {
            if (n instanceof TypeDeclaration<?> t) {
                for (FieldDeclaration fd : t.getFields()) {
                    for (VariableDeclarator v : fd.getVariables()) {
                        if (v.getNameAsString().equals(name)) {
                            return simple(v.getTypeAsString());
                        }
                    }
                }
                if (t instanceof com.github.javaparser.ast.body.RecordDeclaration r) {
                    for (Parameter p : r.getParameters()) {
                        if (p.getNameAsString().equals(name)) {
                            return simple(p.getTypeAsString());
                        }
                    }
                }
            }
        }
        return null;
    }

    /** Packages whose types of these simple names are the pool-backed library APIs. */
    private static final Set<String> LIBRARY_PACKAGES = Set.of("org.springframework.jdbc.core",
            "org.springframework.jdbc.core.namedparam", "org.springframework.jdbc.core.simple", "org.jooq",
            "jakarta.persistence", "javax.persistence", "org.hibernate");

    /**
     * True when the file imports a type of this simple name from a package that is not the library that makes
     * it pool-backed: Flyway's own {@code org.flywaydb.core.internal.jdbc.JdbcTemplate} wraps one connection,
     * Spring's borrows one per call. A type not imported by name (wildcard import, same package) stays
     * judged by its name.
     */
    static boolean importedFromElsewhere(String simpleType, Node at) {
        var cu = at.findCompilationUnit().orElse(null);
        if (cu == null) {
            return false;
        }
        for (var imp : cu.getImports()) {
            if (imp.isAsterisk() || imp.isStatic()) {
                continue;
            }
            String full = imp.getNameAsString();
            if (full.endsWith("." + simpleType)) {
                return !LIBRARY_PACKAGES.contains(full.substring(0, full.length() - simpleType.length() - 1));
            }
        }
        return false;
    }

    static String simple(String type) {
        int lt = type.indexOf('<');
        String t = lt < 0 ? type : type.substring(0, lt);
        return t.substring(t.lastIndexOf('.') + 1);
    }
}
