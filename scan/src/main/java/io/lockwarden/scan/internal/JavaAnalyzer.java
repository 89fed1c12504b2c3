package io.lockwarden.scan.internal;

import com.github.javaparser.JavaParser;
import com.github.javaparser.ParseResult;
import com.github.javaparser.ParserConfiguration;
import com.github.javaparser.Position;
import com.github.javaparser.Problem;
import com.github.javaparser.ast.CompilationUnit;
import com.github.javaparser.ast.DataKey;
import com.github.javaparser.ast.ImportDeclaration;
import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.NodeList;
import com.github.javaparser.ast.body.BodyDeclaration;
import com.github.javaparser.ast.body.CallableDeclaration;
import com.github.javaparser.ast.body.ClassOrInterfaceDeclaration;
import com.github.javaparser.ast.body.ConstructorDeclaration;
import com.github.javaparser.ast.body.FieldDeclaration;
import com.github.javaparser.ast.body.InitializerDeclaration;
import com.github.javaparser.ast.body.MethodDeclaration;
import com.github.javaparser.ast.body.Parameter;
import com.github.javaparser.ast.body.TypeDeclaration;
import com.github.javaparser.ast.body.VariableDeclarator;
import com.github.javaparser.ast.expr.AnnotationExpr;
import com.github.javaparser.ast.expr.ArrayCreationExpr;
import com.github.javaparser.ast.expr.AssignExpr;
import com.github.javaparser.ast.expr.BinaryExpr;
import com.github.javaparser.ast.expr.CastExpr;
import com.github.javaparser.ast.expr.ClassExpr;
import com.github.javaparser.ast.expr.EnclosedExpr;
import com.github.javaparser.ast.expr.Expression;
import com.github.javaparser.ast.expr.FieldAccessExpr;
import com.github.javaparser.ast.expr.IntegerLiteralExpr;
import com.github.javaparser.ast.expr.LambdaExpr;
import com.github.javaparser.ast.expr.LongLiteralExpr;
import com.github.javaparser.ast.expr.MethodCallExpr;
import com.github.javaparser.ast.expr.MethodReferenceExpr;
import com.github.javaparser.ast.expr.NameExpr;
import com.github.javaparser.ast.expr.ObjectCreationExpr;
import com.github.javaparser.ast.expr.StringLiteralExpr;
import com.github.javaparser.ast.expr.TextBlockLiteralExpr;
import com.github.javaparser.ast.expr.UnaryExpr;
import com.github.javaparser.ast.expr.VariableDeclarationExpr;
import com.github.javaparser.ast.stmt.BlockStmt;
import com.github.javaparser.ast.stmt.ExpressionStmt;
import com.github.javaparser.ast.stmt.IfStmt;
import com.github.javaparser.ast.stmt.ReturnStmt;
import com.github.javaparser.ast.stmt.Statement;
import com.github.javaparser.ast.stmt.ThrowStmt;
import com.github.javaparser.ast.stmt.TryStmt;
import io.lockwarden.scan.Rule;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Java analysis on a real JavaParser AST. SQL strings are evaluated from literals, text blocks,
 * concatenations and constants (same file or, through {@link #collectConstants}, other files); every
 * method call that receives such a string is a lock site, whatever the API (JDBC, Spring, JPA, Hibernate,
 * jOOQ). The position of each site relative to try/finally, try-with-resources, {@code @Transactional},
 * {@code TransactionTemplate} and {@code setAutoCommit(false)} decides the rules. One instance per file;
 * the parser is per thread.
 */
public final class JavaAnalyzer {
    private static final ThreadLocal<JavaParser> PARSER = ThreadLocal.withInitial(() -> new JavaParser(
            new ParserConfiguration()
                    .setLanguageLevel(ParserConfiguration.LanguageLevel.BLEEDING_EDGE)
                    .setAttributeComments(false)));

    private static final Set<String> STRING_BUILDERS = Set.of("format", "formatted", "concat", "join",
            "valueOf", "append", "replace", "replaceAll", "strip", "trim", "toLowerCase", "toUpperCase",
            "equals", "contains", "startsWith", "println", "debug", "info", "trace", "warn", "error");
    private static final Set<String> TX_TEMPLATE_TYPES = Set.of("TransactionTemplate", "TransactionOperations");
    private static final Set<String> TX_CALLBACKS = Set.of("transaction", "transactionResult", "inTransaction",
            "useTransaction", "withTransaction", "doInTransaction", "runInTransaction", "transactionAsync");
    private static final Set<String> MANAGED_APIS = Set.of("JdbcTemplate", "JdbcOperations",
            "NamedParameterJdbcTemplate", "NamedParameterJdbcOperations", "JdbcClient", "DSLContext",
            "EntityManager", "Session", "StatelessSession");
    private static final Pattern MANAGED_NAMES = Pattern.compile(
            "(?i)(jdbcTemplate|namedJdbc\\w*|namedParameterJdbcTemplate|jdbcClient|jdbc|dsl|ctx|create|em|entityManager|session)");
    private static final Set<String> RESULT_DISCARDING = Set.of("executeUpdate", "executeLargeUpdate", "update",
            "batchUpdate", "addBatch", "execute");
    private static final Set<String> ALLOWED_BETWEEN = Set.of("setLong", "setInt", "setObject", "setString",
            "setShort", "executeQuery", "execute", "next", "getBoolean", "getLong", "getInt", "close", "debug",
            "info", "trace", "warn", "log", "println", "printf", "getResultSet", "queryForObject", "single",
            "query", "param", "sql", "fetchValue", "getSingleResult", "setParameter", "equals", "isPresent",
            "isEmpty", "orElse", "booleanValue", "TRUE");
    private static final Set<String> HANDLE_METHODS = Set.of("acquire", "tryAcquire", "acquireOn", "tryAcquireOn");
    private static final Pattern RELEASE_CALL = Pattern.compile("(?i).*(unlock|release).*");
    private static final Pattern LOCK_METHOD = Pattern.compile("(?i).*(lock|acquire).*");

    private final SourceFile file;
    private final CompilationUnit cu;
    private final Map<String, String> globals;
    private final FileAnalysis out;

    private record Site(MethodCallExpr carrier, Expression sqlArg, SqlLockCall call, String sql, Node scope,
                        List<String> keys) {
        LockFunction fn() {
            return call.function();
        }

        boolean keysKnown() {
            return keys.stream().allMatch(k -> k != null);
        }

        String keyText() {
            List<String> shown = new ArrayList<>();
            for (int i = 0; i < keys.size(); i++) {
                shown.add(keys.get(i) == null ? call.args().get(i) : keys.get(i));
            }
            return String.join(", ", shown);
        }
    }

    private enum Tx { TX, NO_TX, UNKNOWN }

    private JavaAnalyzer(SourceFile file, CompilationUnit cu, Map<String, String> globals, FileAnalysis out) {
        this.file = file;
        this.cu = cu;
        this.globals = globals;
        this.out = out;
    }

    /** True when a Java file needs the full analysis: it mentions advisory functions or Lockwarden handles. */
    public static boolean isCandidate(String text) {
        return SqlText.mentionsAdvisory(text)
                || (text.contains("io.lockwarden") && (text.contains("acquire") || text.contains("Acquire")));
    }

    /** Parses; on failure records a problem on {@code out} and returns null. */
    public static CompilationUnit parse(SourceFile f, FileAnalysis out) {
        return parse(f, Set.of(), out);
    }

    /**
     * Parses the file with bodies irrelevant to every rule blanked ({@link JavaSlicer}); positions are the
     * file's. On failure records a problem on {@code out} and returns null.
     *
     * @param constantFields names of other files' lock SQL constants that make a body relevant
     */
    public static CompilationUnit parse(SourceFile f, Set<String> constantFields, FileAnalysis out) {
        return parse(f, constantFields, out, true);
    }

    /** As {@link #parse(SourceFile, Set, FileAnalysis)}; {@code slice = false} parses the text as it is (tests). */
    static CompilationUnit parse(SourceFile f, Set<String> constantFields, FileAnalysis out, boolean slice) {
        ParseResult<CompilationUnit> r;
        JavaSlicer.Compacted compacted;
        try {
            compacted = slice ? JavaSlicer.sliceAndCompact(f.text(), constantFields)
                    : new JavaSlicer.Compacted(f.text(), null);
            r = PARSER.get().parse(compacted.text());
        } catch (RuntimeException | StackOverflowError e) {
            out.problem(0, "Java parser failed: " + e.getClass().getSimpleName());
            return null;
        }
        if (!r.isSuccessful() || r.getResult().isEmpty()) {
            Problem p = r.getProblems().isEmpty() ? null : r.getProblems().get(0);
            int line = p == null ? 0 : compacted.originalLine(p.getLocation().flatMap(l -> l.getBegin().getRange())
                    .map(rg -> rg.begin.line).orElse(0));
            String msg = p == null ? "unknown error" : p.getMessage().lines().findFirst().orElse("");
            out.problem(line, "does not parse as Java: " + msg);
            return null;
        }
        CompilationUnit cu = r.getResult().get();
        cu.setData(ORIGINAL_LINES, compacted);
        return cu;
    }

    private static final DataKey<JavaSlicer.Compacted> ORIGINAL_LINES = new DataKey<>() {
    };

    /** Adds {@code Type.FIELD -> value} for every static final String constant that mentions advisory locks. */
    public static void collectConstants(CompilationUnit cu, Map<String, String> sink) {
        JavaAnalyzer evaluator = new JavaAnalyzer(null, cu, Map.of(), null);
        for (TypeDeclaration<?> t : cu.getTypes()) {
            collectConstants(t, evaluator, sink);
        }
    }

    private static void collectConstants(TypeDeclaration<?> t, JavaAnalyzer evaluator, Map<String, String> sink) {
        boolean iface = t instanceof ClassOrInterfaceDeclaration c && c.isInterface();
        for (BodyDeclaration<?> member : t.getMembers()) {
            if (member instanceof TypeDeclaration<?> nested) {
                collectConstants(nested, evaluator, sink);
            } else if (member instanceof FieldDeclaration fd && (iface || fd.isStatic() && fd.isFinal())) {
                for (VariableDeclarator v : fd.getVariables()) {
                    if (v.getInitializer().isEmpty()) {
                        continue;
                    }
                    String s = evaluator.eval(v.getInitializer().get(), 0);
                    if (s != null && SqlText.mentionsAdvisory(s)) {
                        sink.put(t.getNameAsString() + "." + v.getNameAsString(), s);
                    }
                }
            }
        }
    }

    /**
     * True when the file may reference one of the {@code Type.FIELD} constants: it contains a field name
     * and, among its identifiers, the type that declares it. One pass over the text per candidate field.
     */
    public static boolean referencesAny(String text, Map<String, Set<String>> typesByField, Set<String> ownTypes) {
        Set<String> ids = null;
        for (Map.Entry<String, Set<String>> e : typesByField.entrySet()) {
            if (!text.contains(e.getKey())) {
                continue;
            }
            if (ids == null) {
                ids = new HashSet<>();
                int n = text.length();
                for (int i = 0; i < n; ) {
                    if (Character.isJavaIdentifierStart(text.charAt(i))) {
                        int j = i + 1;
                        while (j < n && Character.isJavaIdentifierPart(text.charAt(j))) {
                            j++;
                        }
                        ids.add(text.substring(i, j));
                        i = j;
                    } else {
                        i++;
                    }
                }
            }
            if (ids.contains(e.getKey())) {
                for (String type : e.getValue()) {
                    if (ids.contains(type) && !ownTypes.contains(type)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** Names of every type declared in the file (nested included). */
    public static Set<String> typeNames(CompilationUnit cu) {
        Set<String> names = new HashSet<>();
        Deque<TypeDeclaration<?>> todo = new ArrayDeque<>(cu.getTypes());
        while (!todo.isEmpty()) {
            TypeDeclaration<?> t = todo.pop();
            names.add(t.getNameAsString());
            for (BodyDeclaration<?> m : t.getMembers()) {
                if (m instanceof TypeDeclaration<?> nested) {
                    todo.push(nested);
                }
            }
        }
        return names;
    }

    /** Runs every Java rule on a parsed file. */
    public static void analyze(SourceFile f, CompilationUnit cu, Map<String, String> globals, FileAnalysis out) {
        new JavaAnalyzer(f, cu, globals, out).run();
    }

    private void run() {
        Map<Node, List<Site>> byScope = new LinkedHashMap<>();
        for (MethodCallExpr mc : cu.findAll(MethodCallExpr.class)) {
            if (STRING_BUILDERS.contains(mc.getNameAsString())) {
                continue;
            }
            for (Expression arg : mc.getArguments()) {
                String sql = eval(arg, 0);
                if (sql == null || !SqlText.mentionsAdvisory(sql)) {
                    continue;
                }
                for (SqlLockCall call : SqlText.lockCalls(sql)) {
                    Node scope = scopeOf(mc);
                    byScope.computeIfAbsent(scope, k -> new ArrayList<>())
                            .add(new Site(mc, arg, call, sql, scope, keysOf(mc, arg, call, sql)));
                }
            }
        }
        Set<String> typesWithRelease = new HashSet<>();
        Set<String> methodsWithRelease = new HashSet<>();
        for (List<Site> sites : byScope.values()) {
            for (Site s : sites) {
                if (s.fn().isRelease()) {
                    s.carrier().findAncestor(TypeDeclaration.class)
                            .ifPresent(t -> typesWithRelease.add(t.getNameAsString()));
                    if (s.scope() instanceof MethodDeclaration m) {
                        methodsWithRelease.add(m.getNameAsString());
                    }
                }
            }
        }
        for (List<Site> sites : byScope.values()) {
            analyzeScope(sites, methodsWithRelease, typesWithRelease);
        }
        checkHandles();
    }

    private void analyzeScope(List<Site> sites, Set<String> methodsWithRelease, Set<String> typesWithRelease) {
        Node scope = sites.get(0).scope();
        boolean timeoutInScope = timeoutIn(scope, sites);
        Set<String> lockedKeys = new HashSet<>();
        Set<String> lockedKeysAnyMode = new HashSet<>();
        boolean allLockKeysKnown = true;
        for (Site s : sites) {
            if (s.fn().isLock()) {
                if (s.keysKnown()) {
                    lockedKeys.add(s.fn().isShared() + "|" + String.join(",", s.keys()));
                    lockedKeysAnyMode.add(String.join(",", s.keys()));
                } else {
                    allLockKeysKnown = false;
                }
            }
        }
        for (Site s : sites) {
            LockFunction fn = s.fn();
            int offset = offsetOf(s.sqlArg());
            String call = fn.sqlName() + "(" + s.keyText() + ")";
            if (fn.isSessionLock()) {
                out.markSessionLock();
                if (!guarded(s, methodsWithRelease, typesWithRelease)) {
                    out.report(Rule.SESSION_LOCK_WITHOUT_RELEASE, offset, call
                            + " is not released in a finally block: an exception before the unlock leaves "
                            + "the lock held on this connection.");
                }
            }
            Tx tx = fn.isLock() ? txState(s) : Tx.UNKNOWN;
            if (fn.isSessionLock() && tx == Tx.TX) {
                out.report(Rule.SESSION_LOCK_IN_TRANSACTION, offset, call + " is taken inside a transaction: "
                        + "it survives COMMIT/ROLLBACK; use " + fn.sqlName().replace("advisory_", "advisory_xact_") + ".");
            }
            if (fn.isXactLock() && tx == Tx.NO_TX) {
                out.report(Rule.XACT_LOCK_IN_AUTOCOMMIT, offset, call + " runs in autocommit here: the lock "
                        + "ends with this statement and protects nothing.");
            }
            if (fn.isBlocking() && !timeoutInScope) {
                out.report(Rule.BLOCKING_LOCK_WITHOUT_TIMEOUT, offset, call + " waits without lock_timeout: "
                        + "a stuck holder blocks this thread forever.");
            }
            if (fn.isUnlock() && resultIgnored(s)) {
                out.report(Rule.UNLOCK_RESULT_IGNORED, offset, call + " result is ignored: a false "
                        + "(lock not held) goes unnoticed.");
            }
            if (fn.isLock() || (fn.isUnlock() && !lockedKeysAnyMode.contains(String.join(",", s.keys())))) {
                for (int i = 0; i < s.keys().size(); i++) {
                    String k = s.keys().get(i);
                    if (k != null && SqlText.looksRandom(k)) {
                        out.report(Rule.RANDOM_LITERAL_KEY, offset, "key " + k + " in " + fn.sqlName()
                                + " is a random-looking literal: use a named key.");
                    }
                }
            }
            if (fn.isUnlock() && s.keysKnown() && allLockKeysKnown && !lockedKeys.isEmpty()) {
                String key = String.join(",", s.keys());
                if (!lockedKeys.contains(fn.isShared() + "|" + key)) {
                    String why = lockedKeysAnyMode.contains(key)
                            ? "the key was locked in " + (fn.isShared() ? "exclusive" : "shared") + " mode"
                            : "this scope locks " + String.join(" and ", lockedKeysAnyMode) + ", not " + key;
                    out.report(Rule.MISMATCHED_UNLOCK, offset, call + " does not match the lock taken here: "
                            + why + ".");
                }
            }
        }
    }

    // ---------------------------------------------------------------- release (LW101)

    private boolean guarded(Site s, Set<String> methodsWithRelease, Set<String> typesWithRelease) {
        Node scope = s.scope();
        Optional<TypeDeclaration> type = s.carrier().findAncestor(TypeDeclaration.class);
        if (type.isPresent()) {
            TypeDeclaration<?> t = type.get();
            if (t instanceof ClassOrInterfaceDeclaration c && c.getImplementedTypes().stream()
                    .anyMatch(it -> it.getNameAsString().endsWith("Closeable"))) {
                for (MethodDeclaration close : t.getMethodsByName("close")) {
                    if (close.getBody().isPresent() && releasesIn(close.getBody().get(), methodsWithRelease)) {
                        return true;
                    }
                }
            }
            if (scope instanceof MethodDeclaration m && LOCK_METHOD.matcher(m.getNameAsString()).matches()
                    && !m.getNameAsString().toLowerCase(Locale.ROOT).contains("unlock")
                    && typesWithRelease.contains(t.getNameAsString())
                    && !releasesIn(m, methodsWithRelease)) {
                return true; // a lock primitive of a wrapper class; its callers own the release
            }
        }
        Node child = s.carrier();
        for (Node p = child.getParentNode().orElse(null); p != null && child != scope;
             child = p, p = p.getParentNode().orElse(null)) {
            if (p instanceof TryStmt t && t.getFinallyBlock().isPresent()
                    && child != t.getFinallyBlock().get()
                    && releasesIn(t.getFinallyBlock().get(), methodsWithRelease)) {
                return true;
            }
            if (p instanceof IfStmt ifs && child == ifs.getCondition()
                    && startsWithReleasingTry(ifs.getThenStmt(), methodsWithRelease)) {
                return true;
            }
            if (p instanceof BlockStmt block && child instanceof Statement st) {
                NodeList<Statement> stmts = block.getStatements();
                for (int i = stmts.indexOf(st) + 1; i < stmts.size(); i++) {
                    Statement next = stmts.get(i);
                    if (next instanceof TryStmt t && t.getFinallyBlock().isPresent()
                            && releasesIn(t.getFinallyBlock().get(), methodsWithRelease)) {
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

    private boolean startsWithReleasingTry(Statement then, Set<String> methodsWithRelease) {
        if (then instanceof TryStmt t) {
            return t.getFinallyBlock().isPresent() && releasesIn(t.getFinallyBlock().get(), methodsWithRelease);
        }
        if (then instanceof BlockStmt b) {
            for (Statement st : b.getStatements()) {
                if (st instanceof TryStmt) {
                    return startsWithReleasingTry(st, methodsWithRelease);
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

    private boolean releasesIn(Node block, Set<String> methodsWithRelease) {
        for (MethodCallExpr mc : block.findAll(MethodCallExpr.class)) {
            String name = mc.getNameAsString();
            if (RELEASE_CALL.matcher(name).matches() || methodsWithRelease.contains(name) && mc.getScope()
                    .map(sc -> sc.isThisExpr()).orElse(true)) {
                return true;
            }
            for (Expression a : mc.getArguments()) {
                String sql = eval(a, 0);
                if (sql != null && SqlText.lockCalls(sql).stream().anyMatch(c -> c.function().isRelease())) {
                    return true;
                }
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- transaction context (LW102, LW103)

    private Tx txState(Site s) {
        for (Node n = s.carrier(); n != null; n = n.getParentNode().orElse(null)) {
            Node parent = n.getParentNode().orElse(null);
            if ((n instanceof LambdaExpr || n instanceof MethodReferenceExpr
                    || n instanceof ObjectCreationExpr o && o.getAnonymousClassBody().isPresent())
                    && parent instanceof MethodCallExpr mc) {
                String name = mc.getNameAsString();
                if (TX_CALLBACKS.contains(name)) {
                    return Tx.TX;
                }
                if ((name.equals("execute") || name.equals("executeWithoutResult")) && mc.getScope().isPresent()
                        && isTxTemplate(mc.getScope().get())) {
                    return Tx.TX;
                }
            }
            if (n instanceof MethodDeclaration || n instanceof ClassOrInterfaceDeclaration) {
                Tx t = fromAnnotation(((BodyDeclaration<?>) n).getAnnotations());
                if (t != null) {
                    return t;
                }
            }
        }
        Node scope = s.scope();
        Position at = s.carrier().getBegin().orElse(null);
        if (at == null) {
            return Tx.UNKNOWN;
        }
        Tx explicit = null;
        for (MethodCallExpr mc : scope.findAll(MethodCallExpr.class)) {
            Position p = mc.getBegin().orElse(null);
            if (p == null || !p.isBefore(at)) {
                continue;
            }
            String name = mc.getNameAsString();
            if (name.equals("setAutoCommit") && mc.getArguments().size() == 1) {
                explicit = mc.getArgument(0).toString().equals("false") ? Tx.TX : Tx.NO_TX;
            } else if (name.equals("beginTransaction") || name.equals("begin") && mc.getScope()
                    .map(sc -> sc.toString().contains("getTransaction")).orElse(false)) {
                explicit = Tx.TX;
            } else if (!mc.getArguments().isEmpty()) {
                String sql = eval(mc.getArgument(0), 0);
                if (sql != null) {
                    String t = sql.strip().toLowerCase(Locale.ROOT);
                    if (t.startsWith("begin") || t.startsWith("start transaction")) {
                        explicit = Tx.TX;
                    } else if (t.startsWith("commit") || t.startsWith("rollback") || t.equals("end")) {
                        explicit = explicit == Tx.TX && !t.startsWith("end") ? Tx.NO_TX : explicit;
                    }
                }
            }
        }
        if (explicit != null) {
            return explicit;
        }
        boolean freshConnection = scope.findAll(MethodCallExpr.class).stream()
                .anyMatch(mc -> mc.getNameAsString().equals("getConnection")
                        && mc.getBegin().map(p -> p.isBefore(at)).orElse(false));
        if (freshConnection || isManagedApi(chainRoot(s.carrier()))) {
            return Tx.NO_TX;
        }
        return Tx.UNKNOWN;
    }

    private static Tx fromAnnotation(NodeList<AnnotationExpr> annotations) {
        for (AnnotationExpr a : annotations) {
            if (a.getNameAsString().endsWith("Transactional")) {
                String text = a.toString();
                if (text.contains("NOT_SUPPORTED") || text.contains("NEVER")) {
                    return Tx.NO_TX;
                }
                if (text.contains("SUPPORTS")) {
                    return Tx.UNKNOWN;
                }
                return Tx.TX;
            }
        }
        return null;
    }

    private boolean isTxTemplate(Expression scope) {
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

    private boolean isManagedApi(Expression root) {
        String name = root == null ? null : scopeName(root);
        if (name == null) {
            return false;
        }
        String type = typeOf(name, root);
        if (type != null) {
            return MANAGED_APIS.contains(type);
        }
        return MANAGED_NAMES.matcher(name).matches();
    }

    private static Expression chainRoot(MethodCallExpr mc) {
        Expression e = mc;
        while (e instanceof MethodCallExpr m && m.getScope().isPresent()) {
            e = m.getScope().get();
        }
        return e == mc ? null : e;
    }

    private static String scopeName(Expression e) {
        if (e instanceof NameExpr n) {
            return n.getNameAsString();
        }
        if (e instanceof FieldAccessExpr f && f.getScope().isThisExpr()) {
            return f.getNameAsString();
        }
        return null;
    }

    // ---------------------------------------------------------------- timeout (LW104)

    private boolean timeoutIn(Node scope, List<Site> sites) {
        if (!(scope instanceof CallableDeclaration) && !(scope instanceof InitializerDeclaration)) {
            return true; // field initialisers: no place to judge
        }
        for (Site s : sites) {
            if (SqlText.setsTimeout(s.sql())) {
                return true;
            }
        }
        for (StringLiteralExpr str : scope.findAll(StringLiteralExpr.class)) {
            if (SqlText.setsTimeout(str.getValue())) {
                return true;
            }
        }
        for (TextBlockLiteralExpr str : scope.findAll(TextBlockLiteralExpr.class)) {
            if (SqlText.setsTimeout(str.getValue())) {
                return true;
            }
        }
        for (MethodCallExpr mc : scope.findAll(MethodCallExpr.class)) {
            if (mc.getNameAsString().toLowerCase(Locale.ROOT).contains("locktimeout")) {
                return true;
            }
            for (Expression a : mc.getArguments()) {
                if (a instanceof NameExpr || a instanceof FieldAccessExpr) {
                    String v = eval(a, 0);
                    if (v != null && SqlText.setsTimeout(v)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- unlock result (LW105)

    private boolean resultIgnored(Site s) {
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
    private static List<MethodCallExpr> usesAfter(Expression declared, MethodCallExpr carrier) {
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

    private static boolean readsResultSet(Node scope) {
        return scope.findAll(MethodCallExpr.class).stream().anyMatch(m -> m.getNameAsString().equals("getResultSet"));
    }

    private static Expression outermost(Expression e) {
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

    private static String assignedVariable(Expression e) {
        Node p = e.getParentNode().orElse(null);
        if (p instanceof VariableDeclarator v) {
            return v.getNameAsString();
        }
        if (p instanceof AssignExpr a && a.getTarget() instanceof NameExpr n) {
            return n.getNameAsString();
        }
        return null;
    }

    // ---------------------------------------------------------------- keys (LW106, LW107)

    private List<String> keysOf(MethodCallExpr carrier, Expression sqlArg, SqlLockCall call, String sql) {
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

    private String keyIdentity(Expression e) {
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

    private Expression boundPositional(MethodCallExpr carrier, Expression sqlArg, int index) {
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
        String var = assignedVariable(outermost(carrier));
        if (var != null) {
            for (MethodCallExpr mc : usesAfter(outermost(carrier), carrier)) {
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

    private Expression boundNamed(MethodCallExpr carrier, String name) {
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

    // ---------------------------------------------------------------- Lockwarden handles (LW108)

    private void checkHandles() {
        boolean usesLockwarden = cu.getPackageDeclaration().map(p -> p.getNameAsString().startsWith("io.lockwarden"))
                .orElse(false);
        for (ImportDeclaration i : cu.getImports()) {
            usesLockwarden |= i.getNameAsString().startsWith("io.lockwarden");
        }
        if (!usesLockwarden) {
            return;
        }
        for (MethodCallExpr mc : cu.findAll(MethodCallExpr.class)) {
            String name = mc.getNameAsString();
            if (!HANDLE_METHODS.contains(name)) {
                continue;
            }
            Expression outer = outermost(mc);
            if (closedAtOnce(mc) || closedByCallback(mc)) {
                continue;
            }
            Node parent = outer.getParentNode().orElse(null);
            String declaredType = parent instanceof VariableDeclarator v ? v.getTypeAsString() : null;
            String scopeType = mc.getScope().map(sc -> scopeName(sc)).map(n -> typeOf(n, mc)).orElse(null);
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
            String var = assignedVariable(outer);
            if (var != null && usedAsTryResource(var, scopeOf(mc))) {
                continue;
            }
            out.report(Rule.SESSION_HANDLE_NOT_IN_TRY_WITH_RESOURCES, offsetOf(mc), name + "(...) returns a "
                    + "SessionLock that is not closed by try-with-resources: an exception leaks the lock.");
        }
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

    // ---------------------------------------------------------------- evaluation helpers

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

    private List<VariableDeclarator> declarators(Node scope) {
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

    /** Simple type name declared for a variable, parameter or field visible at {@code at}; null if unknown. */
    private String typeOf(String name, Node at) {
        Node scope = scopeOf(at);
        if (scope instanceof CallableDeclaration<?> c) {
            for (Parameter p : c.getParameters()) {
                if (p.getNameAsString().equals(name)) {
                    return simple(p.getTypeAsString());
                }
            }
        }
        for (VariableDeclarator v : declarators(scope)) {
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

    private static String simple(String type) {
        int lt = type.indexOf('<');
        String t = lt < 0 ? type : type.substring(0, lt);
        return t.substring(t.lastIndexOf('.') + 1);
    }

    private static Node scopeOf(Node n) {
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

    private int offsetOf(Node n) {
        return n.getBegin().map(this::offsetAt).orElse(0);
    }

    private int offsetAt(Position p) {
        JavaSlicer.Compacted c = cu.containsData(ORIGINAL_LINES) ? cu.getData(ORIGINAL_LINES) : null;
        return file.offset(c == null ? p.line : c.originalLine(p.line), p.column);
    }
}
