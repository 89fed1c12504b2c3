package io.lockwarden.scan.internal;

import com.github.javaparser.JavaParser;
import com.github.javaparser.ParseResult;
import com.github.javaparser.ParserConfiguration;
import com.github.javaparser.Position;
import com.github.javaparser.Problem;
import com.github.javaparser.ast.CompilationUnit;
import com.github.javaparser.ast.DataKey;
import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.NodeList;
import com.github.javaparser.ast.body.BodyDeclaration;
import com.github.javaparser.ast.body.CallableDeclaration;
import com.github.javaparser.ast.body.ClassOrInterfaceDeclaration;
import com.github.javaparser.ast.body.FieldDeclaration;
import com.github.javaparser.ast.body.InitializerDeclaration;
import com.github.javaparser.ast.body.MethodDeclaration;
import com.github.javaparser.ast.body.TypeDeclaration;
import com.github.javaparser.ast.body.VariableDeclarator;
import com.github.javaparser.ast.expr.AnnotationExpr;
import com.github.javaparser.ast.expr.Expression;
import com.github.javaparser.ast.expr.FieldAccessExpr;
import com.github.javaparser.ast.expr.LambdaExpr;
import com.github.javaparser.ast.expr.MethodCallExpr;
import com.github.javaparser.ast.expr.MethodReferenceExpr;
import com.github.javaparser.ast.expr.NameExpr;
import com.github.javaparser.ast.expr.ObjectCreationExpr;
import com.github.javaparser.ast.expr.StringLiteralExpr;
import com.github.javaparser.ast.expr.TextBlockLiteralExpr;
import io.lockwarden.scan.Rule;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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

    private static final Pattern INVOKERS = Pattern.compile("(?i).*(function|call|routine|invoke|exec|lock|query|select).*");
    private static final Set<String> STRING_BUILDERS = Set.of("format", "formatted", "concat", "join",
            "valueOf", "append", "replace", "replaceAll", "strip", "trim", "toLowerCase", "toUpperCase",
            "equals", "contains", "startsWith", "println", "debug", "info", "trace", "warn", "error");

    private final SourceFile file;
    private final CompilationUnit cu;
    private final FileAnalysis out;
    private final JavaSqlEvaluator ev;
    private final JavaReceivers receivers;

    /** Transaction context of a lock site. */
    enum Tx { TX, NO_TX, UNKNOWN }

    private JavaAnalyzer(SourceFile file, CompilationUnit cu, Map<String, String> globals, FileAnalysis out) {
        this.file = file;
        this.cu = cu;
        this.out = out;
        this.ev = new JavaSqlEvaluator(file, cu, globals);
        this.receivers = new JavaReceivers(ev);
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

    static final DataKey<JavaSlicer.Compacted> ORIGINAL_LINES = new DataKey<>() {
    };

    /** Adds {@code Type.FIELD -> value} for every static final String constant that mentions advisory locks. */
    public static void collectConstants(CompilationUnit cu, Map<String, String> sink) {
        JavaSqlEvaluator evaluator = new JavaSqlEvaluator(null, cu, Map.of());
        for (TypeDeclaration<?> t : cu.getTypes()) {
            collectConstants(t, evaluator, sink);
        }
    }

    private static void collectConstants(TypeDeclaration<?> t, JavaSqlEvaluator evaluator, Map<String, String> sink) {
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
        Map<Node, List<JavaLockSite>> byScope = new LinkedHashMap<>();
        for (MethodCallExpr mc : cu.findAll(MethodCallExpr.class)) {
            if (STRING_BUILDERS.contains(mc.getNameAsString())) {
                continue;
            }
            for (Expression arg : mc.getArguments()) {
                String sql = ev.eval(arg, 0);
                if (sql == null || !SqlText.mentionsAdvisory(sql)) {
                    continue;
                }
                Node scope = JavaSqlEvaluator.scopeOf(mc);
                LockFunction named = LockFunction.byBareName(sql);
                if (named != null && !invokesByName(mc, arg)) {
                    continue; // a name in a set, a map or a message: not a call
                }
                if (named != null) { // the function's name passed to a helper: DSL.function("pg_advisory_lock", ...)
                    byScope.computeIfAbsent(scope, k -> new ArrayList<>()).add(new JavaLockSite(mc, arg,
                            new SqlLockCall(named, List.of("?"), 0), sql, scope, java.util.Collections.singletonList(null)));
                    continue;
                }
                for (SqlLockCall call : SqlText.lockCalls(sql)) {
                    byScope.computeIfAbsent(scope, k -> new ArrayList<>())
                            .add(new JavaLockSite(mc, arg, call, sql, scope, JavaKeyBinding.keysOf(mc, arg, call, sql)));
                }
            }
        }
        Set<String> typesWithRelease = new HashSet<>();
        Set<String> methodsWithRelease = new HashSet<>();
        for (List<JavaLockSite> sites : byScope.values()) {
            for (JavaLockSite s : sites) {
                if (s.fn().isRelease()) {
                    s.carrier().findAncestor(TypeDeclaration.class)
                            .ifPresent(t -> typesWithRelease.add(t.getNameAsString()));
                    if (s.scope() instanceof MethodDeclaration m) {
                        methodsWithRelease.add(m.getNameAsString());
                    }
                }
            }
        }
        JavaReleases releases = new JavaReleases(ev, methodsWithRelease, typesWithRelease);
        JavaIdiomChecks idioms = new JavaIdiomChecks(ev, receivers, releases, out);
        for (List<JavaLockSite> sites : byScope.values()) {
            analyzeScope(sites, releases, idioms);
        }
        new JavaHandleCheck(ev, receivers, out).run();
    }

    /** {@code DSL.function("pg_advisory_lock", Boolean.class, key)}, {@code callFunction(name, key)}. */
    private static boolean invokesByName(MethodCallExpr mc, Expression arg) {
        return mc.getArguments().size() >= 2 && mc.getArgument(0) == arg
                && INVOKERS.matcher(mc.getNameAsString()).matches();
    }

    private void analyzeScope(List<JavaLockSite> sites, JavaReleases releases, JavaIdiomChecks idioms) {
        Node scope = sites.get(0).scope();
        boolean timeoutInScope = timeoutIn(scope, sites);
        Set<String> lockedKeys = new HashSet<>();
        Set<String> lockedKeysAnyMode = new HashSet<>();
        boolean allLockKeysKnown = true;
        for (JavaLockSite s : sites) {
            if (s.fn().isLock()) {
                if (s.keysKnown()) {
                    lockedKeys.add(s.fn().isShared() + "|" + String.join(",", s.keys()));
                    lockedKeysAnyMode.add(String.join(",", s.keys()));
                } else {
                    allLockKeysKnown = false;
                }
            }
        }
        for (JavaLockSite s : sites) {
            LockFunction fn = s.fn();
            int offset = ev.offsetOf(s.sqlArg());
            String call = fn.sqlName() + "(" + s.keyText() + ")";
            if (fn.isSessionLock()) {
                out.markSessionLock();
                if (!releases.guarded(s) && !idioms.returnsConnection(s)) {
                    out.report(Rule.SESSION_LOCK_WITHOUT_RELEASE, offset, call
                            + " is not released in a finally block: an exception before the unlock leaves "
                            + "the lock held on this connection.");
                }
            }
            Tx tx = fn.isLock() ? txState(s) : Tx.UNKNOWN;
            if (fn.isSessionLock() && tx == Tx.TX) {
                out.report(Rule.SESSION_LOCK_IN_TRANSACTION, offset, call + " is taken inside a transaction: "
                        + "it survives COMMIT/ROLLBACK; " + (idioms.concurrentDdl()
                        ? "do not switch to the _xact_ variant here (this file runs CREATE INDEX CONCURRENTLY): take "
                        + "it on a dedicated connection outside the transaction and unlock it in finally."
                        : "use " + fn.sqlName().replace("advisory_", "advisory_xact_")
                        + " when all the work runs in this transaction."));
            }
            Tx known = tx;
            idioms.check(s, () -> known == Tx.UNKNOWN && fn.isUnlock() ? txState(s) : known, offset, call, sites);
            if (fn.isXactLock() && tx == Tx.NO_TX) {
                out.report(Rule.XACT_LOCK_IN_AUTOCOMMIT, offset, call + " runs in autocommit here: the lock "
                        + "ends with this statement and protects nothing.");
            }
            if (fn.isBlocking() && !timeoutInScope) {
                out.report(Rule.BLOCKING_LOCK_WITHOUT_TIMEOUT, offset, call + " waits without lock_timeout: "
                        + "a stuck holder blocks this thread forever.");
            }
            if (fn.isUnlock() && JavaResultUse.resultIgnored(s)) {
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

    // ---------------------------------------------------------------- transaction context (LW102, LW103)

    private Tx txState(JavaLockSite s) {
        for (Node n = s.carrier(); n != null; n = n.getParentNode().orElse(null)) {
            Node parent = n.getParentNode().orElse(null);
            if ((n instanceof LambdaExpr || n instanceof MethodReferenceExpr
                    || n instanceof ObjectCreationExpr o && o.getAnonymousClassBody().isPresent())
                    && parent instanceof MethodCallExpr mc) {
                String name = mc.getNameAsString();
                if (JavaReceivers.TX_CALLBACKS.contains(name)) {
                    return Tx.TX;
                }
                if ((name.equals("execute") || name.equals("executeWithoutResult")) && mc.getScope().isPresent()
                        && receivers.isTxTemplate(mc.getScope().get())) {
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
                String sql = ev.eval(mc.getArgument(0), 0);
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
        if (freshConnection || receivers.isManagedApi(JavaReceivers.chainRoot(s.carrier()))) {
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

    // ---------------------------------------------------------------- timeout (LW104)

    private boolean timeoutIn(Node scope, List<JavaLockSite> sites) {
        if (!(scope instanceof CallableDeclaration) && !(scope instanceof InitializerDeclaration)) {
            return true; // field initialisers: no place to judge
        }
        for (JavaLockSite s : sites) {
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
                    String v = ev.eval(a, 0);
                    if (v != null && SqlText.setsTimeout(v)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }
}
