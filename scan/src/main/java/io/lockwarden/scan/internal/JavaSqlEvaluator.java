package io.lockwarden.scan.internal;

import com.github.javaparser.Position;
import com.github.javaparser.ast.CompilationUnit;
import com.github.javaparser.ast.ImportDeclaration;
import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.body.CallableDeclaration;
import com.github.javaparser.ast.body.ConstructorDeclaration;
import com.github.javaparser.ast.body.FieldDeclaration;
import com.github.javaparser.ast.body.InitializerDeclaration;
import com.github.javaparser.ast.body.MethodDeclaration;
import com.github.javaparser.ast.body.TypeDeclaration;
import com.github.javaparser.ast.body.VariableDeclarator;
import com.github.javaparser.ast.expr.BinaryExpr;
import com.github.javaparser.ast.expr.EnclosedExpr;
import com.github.javaparser.ast.expr.Expression;
import com.github.javaparser.ast.expr.FieldAccessExpr;
import com.github.javaparser.ast.expr.MethodCallExpr;
import com.github.javaparser.ast.expr.NameExpr;
import com.github.javaparser.ast.expr.StringLiteralExpr;
import com.github.javaparser.ast.expr.TextBlockLiteralExpr;
import java.util.List;
import java.util.Map;

/**
 * The static string value of Java expressions (literals, text blocks, {@code +}, {@code formatted},
 * {@code String.format}, {@code concat}, constants of the same file, and other files' constants passed in),
 * plus the declarations and file offsets the other Java checks need. One instance per file; not thread safe.
 */
final class JavaSqlEvaluator {
    private final SourceFile file;
    private final CompilationUnit cu;
    private final Map<String, String> globals;

    JavaSqlEvaluator(SourceFile file, CompilationUnit cu, Map<String, String> globals) {
        this.file = file;
        this.cu = cu;
        this.globals = globals;
    }

    CompilationUnit unit() {
        return cu;
    }

    /** The file's text ("" when evaluating without a file, for constants). */
    String text() {
        return file == null ? "" : file.text();
    }

    /** The string value of an expression, or null when it cannot be known statically. */
    String eval(Expression e, int depth) {
        if (depth > 8 || e == null) {
            return null;
        }
        if (e instanceof StringLiteralExpr s) {
            return s.asString();
        }
        if (e instanceof TextBlockLiteralExpr t) {
            return t.asString();
        }
        if (e instanceof EnclosedExpr en) {
            return eval(en.getInner(), depth + 1);
        }
        if (e instanceof BinaryExpr b && b.getOperator() == BinaryExpr.Operator.PLUS) {
            String l = eval(b.getLeft(), depth + 1);
            String r = eval(b.getRight(), depth + 1);
            if (l == null && r == null) {
                return null;
            }
            return (l == null ? hole(b.getLeft()) : l) + (r == null ? hole(b.getRight()) : r);
        }
        if (e instanceof NameExpr n) {
            return evalName(n.getNameAsString(), e, depth);
        }
        if (e instanceof FieldAccessExpr f) {
            String scope = f.getScope().toString();
            String type = scope.substring(scope.lastIndexOf('.') + 1);
            for (TypeDeclaration<?> t : typeDeclarations()) {
                if (t.getNameAsString().equals(type)) {
                    String v = fieldValue(t, f.getNameAsString(), depth);
                    if (v != null) {
                        return v;
                    }
                }
            }
            return globals.get(type + "." + f.getNameAsString());
        }
        if (e instanceof MethodCallExpr m) {
            String name = m.getNameAsString();
            if (name.equals("formatted") && m.getScope().isPresent()) {
                return eval(m.getScope().get(), depth + 1);
            }
            if (name.equals("format") && !m.getArguments().isEmpty()) {
                String v = eval(m.getArgument(0), depth + 1);
                return v != null || m.getArguments().size() < 2 ? v : eval(m.getArgument(1), depth + 1);
            }
            if (name.equals("concat") && m.getScope().isPresent() && m.getArguments().size() == 1) {
                String l = eval(m.getScope().get(), depth + 1);
                String r = eval(m.getArgument(0), depth + 1);
                return l == null ? null : l + (r == null ? hole(m.getArgument(0)) : r);
            }
        }
        return null;
    }

    private String hole(Expression e) {
        String text = null;
        if (file != null && e.getBegin().isPresent() && e.getEnd().isPresent()) {
            int from = offsetAt(e.getBegin().get());
            int to = offsetAt(e.getEnd().get()) + 1;
            text = to > from ? file.text().substring(from, Math.min(to, file.text().length())) : null;
        }
        if (text == null) {
            text = e instanceof NameExpr n ? n.getNameAsString() : e.toString();
        }
        return text.replace("'", "").replace("\"", "").replaceAll("\\s+", "");
    }

    private final Map<Node, List<VariableDeclarator>> declaratorsByScope = new java.util.IdentityHashMap<>();
    private List<TypeDeclaration> typeDeclarations;

    /** Every type declared in the file, nested included; found once, as eval meets {@code Type.FIELD} per argument. */
    private List<TypeDeclaration> typeDeclarations() {
        if (typeDeclarations == null) {
            typeDeclarations = cu.findAll(TypeDeclaration.class);
        }
        return typeDeclarations;
    }

    List<VariableDeclarator> declarators(Node scope) {
        return declaratorsByScope.computeIfAbsent(scope, s -> s.findAll(VariableDeclarator.class));
    }

    private String evalName(String name, Node at, int depth) {
        Node scope = scopeOf(at);
        if (scope instanceof CallableDeclaration || scope instanceof InitializerDeclaration) {
            for (VariableDeclarator v : declarators(scope)) {
                if (v.getNameAsString().equals(name) && v.getInitializer().isPresent()) {
                    return eval(v.getInitializer().get(), depth + 1);
                }
            }
        }
        for (Node n = at; n != null; n = n.getParentNode().orElse(null)) {
            if (n instanceof TypeDeclaration<?> t) {
                String v = fieldValue(t, name, depth);
                if (v != null) {
                    return v;
                }
            }
        }
        for (ImportDeclaration i : cu.getImports()) {
            if (i.isStatic()) {
                String q = i.getNameAsString();
                if (!i.isAsterisk() && q.endsWith("." + name)) {
                    String owner = q.substring(0, q.length() - name.length() - 1);
                    return globals.get(owner.substring(owner.lastIndexOf('.') + 1) + "." + name);
                }
                if (i.isAsterisk()) {
                    String v = globals.get(q.substring(q.lastIndexOf('.') + 1) + "." + name);
                    if (v != null) {
                        return v;
                    }
                }
            }
        }
        return null;
    }

    private String fieldValue(TypeDeclaration<?> t, String name, int depth) {
        for (FieldDeclaration fd : t.getFields()) {
            for (VariableDeclarator v : fd.getVariables()) {
                if (v.getNameAsString().equals(name) && v.getInitializer().isPresent()) {
                    return eval(v.getInitializer().get(), depth + 1);
                }
            }
        }
        return null;
    }

    static Node scopeOf(Node n) {
        for (Node p = n; p != null; p = p.getParentNode().orElse(null)) {
            if (p instanceof MethodDeclaration || p instanceof ConstructorDeclaration
                    || p instanceof InitializerDeclaration) {
                return p;
            }
            if (p instanceof TypeDeclaration) {
                return p;
            }
        }
        return n.findRootNode();
    }

    int offsetOf(Node n) {
        return n.getBegin().map(this::offsetAt).orElse(0);
    }

    private int offsetAt(Position p) {
        JavaSlicer.Compacted c = cu.containsData(JavaAnalyzer.ORIGINAL_LINES) ? cu.getData(JavaAnalyzer.ORIGINAL_LINES) : null;
        return file.offset(c == null ? p.line : c.originalLine(p.line), p.column);
    }
}
