package io.lockwarden.scan;

import com.github.javaparser.ast.CompilationUnit;
import io.lockwarden.scan.internal.EmbeddedSqlAnalyzer;
import io.lockwarden.scan.internal.FileAnalysis;
import io.lockwarden.scan.internal.FileCollector;
import io.lockwarden.scan.internal.GoPoolLocks;
import io.lockwarden.scan.internal.JavaAnalyzer;
import io.lockwarden.scan.internal.Language;
import io.lockwarden.scan.internal.PgBouncerConfig;
import io.lockwarden.scan.internal.RawFinding;
import io.lockwarden.scan.internal.SourceFile;
import io.lockwarden.scan.internal.SqlFileAnalyzer;
import io.lockwarden.scan.internal.Suppressions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.Collectors;

/**
 * Entry point of static analysis: finds unsafe PostgreSQL advisory lock code in source trees (Java via
 * JavaParser; SQL, Python, Ruby, Go, JavaScript/TypeScript, Kotlin, C#, PHP, Rust, Elixir via a tokenizer) and risky PgBouncer
 * settings. See {@link Rule} for what is reported.
 *
 * <pre>{@code
 * ScanResult r = Scanner.builder().baseDirectory(Path.of(".")).build().scan(List.of(Path.of("src")));
 * }</pre>
 *
 * <p>Files are read and analysed in parallel on {@link Builder#threads(int)} threads (default: all
 * cores). A file found in a directory that cannot be parsed or read (binary, unreadable, larger than
 * {@link #MAX_FILE_BYTES}) becomes a {@link Notice}; the scan goes on. A file named directly that cannot be
 * read, or a path that is neither a regular file nor a directory, ends the scan with a {@link ScanException}. Instances are
 * immutable and thread safe; each {@link #scan} call is independent.
 */
public final class Scanner {
    private static final int BINARY_PROBE = 8000;

    /**
     * The largest file analysed, in bytes (16 MiB). Analysis holds a file whole and its time and memory are
     * linear in the file's size; a larger file in a tree is skipped with a notice, a larger file named on the
     * command line is a {@link ScanException}.
     */
    public static final int MAX_FILE_BYTES = 16 << 20;

    private final Path baseDirectory;
    private final int threads;
    private final Baseline baseline;

    private Scanner(Builder b) {
        Path base = b.baseDirectory.toAbsolutePath().normalize();
        try {
            base = base.toRealPath(); // files are walked by their real paths
        } catch (IOException e) {
            // a base directory that does not exist only changes how paths are displayed
        }
        this.baseDirectory = base;
        this.threads = b.threads;
        this.baseline = b.baseline;
    }

    /** A builder with the defaults: base directory = working directory, all cores, empty baseline. */
    public static Builder builder() {
        return new Builder();
    }

    /** Configures a {@link Scanner}. Not thread safe. */
    public static final class Builder {
        private Path baseDirectory = Path.of("");
        private int threads = Runtime.getRuntime().availableProcessors();
        private Baseline baseline = Baseline.empty();

        private Builder() {
        }

        /** Paths in findings are shown relative to this directory when they lie under it. */
        public Builder baseDirectory(Path dir) {
            this.baseDirectory = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /** Number of worker threads (at least 1). @throws IllegalArgumentException when below 1 */
        public Builder threads(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("threads must be at least 1, got " + n);
            }
            this.threads = n;
            return this;
        }

        /** Findings in this baseline are dropped from results (and counted in {@link ScanResult#baselined()}). */
        public Builder baseline(Baseline b) {
            this.baseline = Objects.requireNonNull(b, "baseline");
            return this;
        }

        /** Builds the scanner. */
        public Scanner build() {
            return new Scanner(this);
        }
    }

    private static final class Work {
        final SourceFile file;
        final FileAnalysis analysis;
        Set<String> ownTypes = Set.of();
        boolean javaCandidate;

        Work(SourceFile file) {
            this.file = file;
            this.analysis = new FileAnalysis(file);
        }
    }

    /**
     * Scans files and directories.
     *
     * @param roots files or directories; each must exist
     * @throws ScanException naming the path when a root does not exist or cannot be listed, is neither a regular
     *                       file nor a directory, or is a file that cannot be read, is binary, is larger than
     *                       {@link #MAX_FILE_BYTES} or is of a type the scanner does not read
     */
    public ScanResult scan(List<Path> roots) {
        if (roots.isEmpty()) {
            throw new ScanException("no path to scan: pass at least one file or directory");
        }
        List<Notice> notices = Collections.synchronizedList(new ArrayList<>());
        List<FileCollector.Candidate> candidates = new ArrayList<>();
        Set<Path> seen = new HashSet<>();
        for (Path root : roots) {
            if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS) && !Files.exists(root)) {
                throw new ScanException("path " + root + " does not exist: pass an existing file or directory");
            }
            try {
                for (FileCollector.Candidate c : FileCollector.collect(root, notices, this::display)) {
                    if (seen.add(c.path().toAbsolutePath().normalize())) {
                        candidates.add(c);
                    }
                }
            } catch (IOException e) {
                throw new ScanException("cannot list " + root + ": " + e.getClass().getSimpleName()
                        + "; check that it is readable");
            }
        }
        ForkJoinPool pool = new ForkJoinPool(threads);
        try {
            return pool.submit(() -> run(candidates, notices)).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ScanException("scan interrupted", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            while (c instanceof ScanException && c.getCause() instanceof ScanException inner) {
                c = inner; // a fork-join worker's exception comes back wrapped in a copy of itself
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new ScanException("scan failed: " + c, c);
        } finally {
            pool.shutdown();
        }
    }

    private ScanResult run(List<FileCollector.Candidate> candidates, List<Notice> notices) {
        // Phase 1: read every file and analyse it. Java files that mention advisory locks are parsed and
        // analysed with their own constants; their lock SQL constants are collected for the other files.
        Map<String, String> constants = new ConcurrentHashMap<>();
        List<Work> works = candidates.parallelStream().map(c -> {
            Work w = read(c, notices);
            if (w == null) {
                return null;
            }
            Language lang = w.file.language();
            try {
                if (lang == Language.JAVA) {
                    if (JavaAnalyzer.isCandidate(w.file.text())) {
                        w.javaCandidate = true;
                        CompilationUnit cu = JavaAnalyzer.parse(w.file, w.analysis);
                        if (cu != null) {
                            JavaAnalyzer.collectConstants(cu, constants);
                            w.ownTypes = JavaAnalyzer.typeNames(cu);
                            JavaAnalyzer.analyze(w.file, cu, Map.of(), w.analysis);
                        }
                    }
                } else if (lang == Language.SQL) {
                    SqlFileAnalyzer.analyze(w.file, w.analysis);
                } else if (lang != Language.PGBOUNCER_INI) {
                    EmbeddedSqlAnalyzer.analyze(w.file, w.analysis);
                    if (lang == Language.GO) {
                        goSyntax(w);
                    }
                }
            } catch (RuntimeException | StackOverflowError e) {
                w.analysis.problem(0, "analysis failed: " + e.getClass().getSimpleName());
            }
            return w;
        }).filter(Objects::nonNull).collect(Collectors.toList());

        // Phase 2: Java files that use another file's lock SQL constant are (re)analysed with all constants.
        Map<String, Set<String>> typesByField = new HashMap<>();
        for (String q : constants.keySet()) {
            int dot = q.indexOf('.');
            typesByField.computeIfAbsent(q.substring(dot + 1), k -> new HashSet<>()).add(q.substring(0, dot));
        }
        if (!typesByField.isEmpty()) {
            works.parallelStream().filter(w -> w.file.language() == Language.JAVA)
                    .filter(w -> JavaAnalyzer.referencesAny(w.file.text(), typesByField, w.ownTypes))
                    .forEach(w -> {
                        try {
                            w.analysis.reset();
                            CompilationUnit cu = JavaAnalyzer.parse(w.file, typesByField.keySet(), w.analysis);
                            if (cu != null) {
                                JavaAnalyzer.analyze(w.file, cu, constants, w.analysis);
                            }
                        } catch (RuntimeException | StackOverflowError e) {
                            w.analysis.problem(0, "analysis failed: " + e.getClass().getSimpleName());
                        }
                    });
        }

        // Phase 3: pooler configs, which depend on whether the code base takes session-level locks.
        Work sessionLockWitness = works.stream().filter(w -> w.analysis.takesSessionLocks()).findFirst().orElse(null);
        for (Work w : works) {
            if (w.file.language() == Language.PGBOUNCER_INI) {
                analyzePgBouncer(w, sessionLockWitness);
            }
        }

        List<Finding> findings = new ArrayList<>();
        int suppressed = 0;
        int baselined = 0;
        long lines = 0;
        for (Work w : works) {
            lines += w.file.lineCount();
            if (!w.analysis.problems().isEmpty()) {
                notices.add(new Notice(w.file.displayPath(), w.analysis.problemLine(), w.analysis.problems().get(0)));
            }
            List<Finding> fileFindings = new ArrayList<>();
            suppressed += finish(w, fileFindings);
            for (Finding f : fileFindings) {
                if (baseline.contains(f)) {
                    baselined++;
                } else {
                    findings.add(f);
                }
            }
        }
        findings.sort(Comparator.comparing(Finding::path).thenComparingInt(Finding::line)
                .thenComparingInt(Finding::column).thenComparing(f -> f.rule().id()));
        List<Notice> sortedNotices = new ArrayList<>(notices);
        sortedNotices.sort(Comparator.comparing(Notice::path).thenComparingInt(Notice::line));
        return new ScanResult(findings, sortedNotices, works.size(), lines, suppressed, baselined);
    }

    /** The analysis of Go on tree-sitter's syntax tree, after the token analysis (whose findings it does not repeat). */
    private static void goSyntax(Work w) {
        try {
            GoPoolLocks.analyze(w.file, w.analysis);
        } catch (LinkageError e) {
            w.analysis.problem(0, "the Go parser (tree-sitter) cannot load on this platform (" + e.getClass().getSimpleName()
                    + "); only the token analysis ran");
        }
    }

    private Work read(FileCollector.Candidate c, List<Notice> notices) {
        byte[] bytes;
        try {
            bytes = readBounded(c.path());
        } catch (IOException e) {
            return skip(c, notices, "cannot be read (" + e.getClass().getSimpleName() + ")",
                    "check that it is a readable file");
        }
        if (bytes == null) {
            return skip(c, notices, "is larger than " + (MAX_FILE_BYTES >> 20) + " MiB, the most lockwarden scan holds "
                    + "in memory for one file", "generated or minified files are not scanned; exclude it or split it");
        }
        for (int i = 0, n = Math.min(bytes.length, BINARY_PROBE); i < n; i++) {
            if (bytes[i] == 0) {
                return skip(c, notices, "is a binary file (it contains NUL bytes)", "pass source text");
            }
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        return new Work(new SourceFile(c.path(), display(c.path()), text, c.language()));
    }

    /** A file named on the command line that cannot be scanned is an error; one found in a tree is skipped. */
    private Work skip(FileCollector.Candidate c, List<Notice> notices, String what, String fix) {
        if (c.named()) {
            throw new ScanException(display(c.path()) + " " + what + ": " + fix);
        }
        notices.add(new Notice(display(c.path()), 0, what + "; skipped"));
        return null;
    }

    /** The file's bytes, or null when it holds more than {@link #MAX_FILE_BYTES} (never reads past the cap). */
    private static byte[] readBounded(Path p) throws IOException {
        if (Files.size(p) > MAX_FILE_BYTES) {
            return null; // known from its size: not read at all
        }
        try (InputStream in = Files.newInputStream(p)) {
            byte[] b = in.readNBytes(MAX_FILE_BYTES + 1);
            return b.length > MAX_FILE_BYTES ? null : b;
        }
    }

    private void analyzePgBouncer(Work w, Work witness) {
        PgBouncerConfig cfg = PgBouncerConfig.parse(w.file.text());
        if (!cfg.isPgBouncer()) {
            return;
        }
        if (witness != null) {
            String because = "the code base takes session-level advisory locks (e.g. " + witness.file.displayPath() + ")";
            if (cfg.globalTransactionPooling()) {
                w.analysis.report(Rule.PGBOUNCER_TRANSACTION_POOLING, cfg.globalPoolModeLine(), 1,
                        "pool_mode = transaction while " + because + ".");
            }
            for (PgBouncerConfig.DatabaseEntry db : cfg.transactionDatabases()) {
                w.analysis.report(Rule.PGBOUNCER_TRANSACTION_POOLING, db.line(), 1, "database " + db.name()
                        + " uses pool_mode=transaction while " + because + ".");
            }
        }
        boolean anyTransaction = cfg.globalTransactionPooling() || !cfg.transactionDatabases().isEmpty();
        if (cfg.resetQuery() != null && !cfg.resetQuery().isBlank() && anyTransaction && !cfg.resetQueryAlways()) {
            String scope = cfg.globalTransactionPooling() ? "pool_mode = transaction"
                    : "pool_mode=transaction for " + cfg.transactionDatabases().stream()
                    .map(PgBouncerConfig.DatabaseEntry::name).collect(Collectors.joining(", "));
            w.analysis.report(Rule.PGBOUNCER_RESET_QUERY_IGNORED, cfg.resetQueryLine(), 1, "server_reset_query = "
                    + cfg.resetQuery() + " never runs with " + scope + " unless server_reset_query_always = 1.");
        }
    }

    /**
     * Applies suppressions, computes fingerprints; returns the number suppressed. Each line's text is read and
     * normalised once however many findings it carries, so a file that is one long line stays linear.
     */
    private static int finish(Work w, List<Finding> out) {
        SourceFile f = w.file;
        int suppressed = 0;
        Map<String, Integer> occurrences = new HashMap<>();
        Fingerprints prints = new Fingerprints(f);
        Map<Integer, Optional<Suppressions.Directive>> directiveByLine = new HashMap<>();
        Set<Integer> reasonless = new HashSet<>();
        List<RawFinding> raws = new ArrayList<>(w.analysis.findings());
        raws.sort(Comparator.comparingInt(RawFinding::line).thenComparingInt(RawFinding::column)
                .thenComparing(r -> r.rule().id()));
        Set<String> dedupe = new HashSet<>();
        for (RawFinding r : raws) {
            if (!dedupe.add(r.rule().id() + ":" + r.line() + ":" + r.column() + ":" + r.message())) {
                continue;
            }
            Suppressions.Directive d = directiveByLine.computeIfAbsent(r.line(),
                    l -> Optional.ofNullable(directive(f, l))).orElse(null);
            if (d != null && d.covers(r.rule())) {
                if (!d.reason().isEmpty()) {
                    suppressed++;
                    continue;
                }
                int line = Suppressions.on(f.lineText(r.line())) != null ? r.line() : r.line() - 1;
                if (reasonless.add(line)) {
                    out.add(finding(f, Rule.SUPPRESSION_WITHOUT_REASON, line, d.column(),
                            "lockwarden:ignore " + d.rules() + " has no reason, so it is not applied.", occurrences,
                            prints));
                }
            }
            out.add(finding(f, r.rule(), r.line(), r.column(), r.message(), occurrences, prints));
        }
        return suppressed;
    }

    private static Suppressions.Directive directive(SourceFile f, int line) {
        Suppressions.Directive d = Suppressions.on(f.lineText(line));
        return d != null ? d : Suppressions.on(f.lineText(line - 1));
    }

    private static Finding finding(SourceFile f, Rule rule, int line, int column, String message,
                                   Map<String, Integer> occurrences, Fingerprints prints) {
        return new Finding(rule, f.displayPath(), line, column, message, prints.next(rule, line, occurrences));
    }

    /**
     * Fingerprint = first 16 bytes of SHA-256(rule id, NUL, path, NUL, the line's whitespace-normalised text, NUL,
     * its occurrence number among equal (rule, text) pairs in the file). The digest of everything up to the
     * occurrence number is computed once per rule and distinct line text, so a long line costs one pass per
     * rule however many findings it carries. Not thread safe: one per file.
     */
    private static final class Fingerprints {
        private final SourceFile file;
        private final Map<Integer, Integer> textIdByLine = new HashMap<>();
        private final Map<String, Integer> textIds = new HashMap<>();
        private final Map<String, MessageDigest> prefixes = new HashMap<>();

        Fingerprints(SourceFile file) {
            this.file = file;
        }

        String next(Rule rule, int line, Map<String, Integer> occurrences) {
            int textId = textIdByLine.computeIfAbsent(line, l -> textIds.computeIfAbsent(
                    file.lineText(l).strip().replaceAll("\\s+", " "), t -> textIds.size()));
            String key = rule.id() + "\u0000" + textId;
            int n = occurrences.merge(key, 1, Integer::sum);
            MessageDigest prefix = prefixes.computeIfAbsent(key, k -> {
                String content = file.lineText(line).strip().replaceAll("\\s+", " ");
                MessageDigest d = sha256();
                d.update((rule.id() + "\u0000" + file.displayPath() + "\u0000" + content)
                        .getBytes(StandardCharsets.UTF_8));
                return d;
            });
            try {
                MessageDigest d = (MessageDigest) prefix.clone();
                return HexFormat.of().formatHex(d.digest(("\u0000" + n).getBytes(StandardCharsets.UTF_8)), 0, 16);
            } catch (CloneNotSupportedException e) {
                throw new IllegalStateException("this JVM's SHA-256 cannot be cloned", e);
            }
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private String display(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        if (!abs.startsWith(baseDirectory)) {
            try {
                abs = p.toRealPath();
            } catch (IOException e) {
                // keep the absolute path
            }
        }
        if (abs.startsWith(baseDirectory)) {
            String rel = baseDirectory.relativize(abs).toString().replace('\\', '/');
            return rel.isEmpty() ? abs.getFileName().toString() : rel;
        }
        return abs.toString().replace('\\', '/');
    }

    /** The rules this scanner applies, in id order. */
    public static List<Rule> rules() {
        return List.of(Rule.values());
    }
}
