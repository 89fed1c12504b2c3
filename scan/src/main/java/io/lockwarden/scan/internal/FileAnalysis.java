package io.lockwarden.scan.internal;

import io.lockwarden.scan.Rule;
import java.util.ArrayList;
import java.util.List;

/**
 * What the analysis of one file produced: raw findings, parse problems and facts that matter to other
 * files (whether it takes session-level locks). Not thread safe: one per file and thread.
 */
public final class FileAnalysis {
    private final SourceFile file;
    private final List<RawFinding> findings = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    private int problemLine;
    private boolean takesSessionLocks;

    /** Starts an empty analysis of {@code file}. */
    public FileAnalysis(SourceFile file) {
        this.file = file;
    }

    /** The file. */
    public SourceFile file() {
        return file;
    }

    /** Records a finding at an offset of the file text. */
    public void report(Rule rule, int offset, String message) {
        findings.add(new RawFinding(rule, file.line(offset), file.column(offset), message));
    }

    /** Records a finding at a line and column. */
    public void report(Rule rule, int line, int column, String message) {
        findings.add(new RawFinding(rule, line, column, message));
    }

    /** Records that the file could not be (fully) analysed. */
    public void problem(int line, String message) {
        if (problems.isEmpty()) {
            problemLine = line;
        }
        problems.add(message);
    }

    /** Forgets everything recorded so far, before the file is analysed again with more context. */
    public void reset() {
        findings.clear();
        problems.clear();
        problemLine = 0;
        takesSessionLocks = false;
    }

    /** Records that the file takes a session-level lock (relevant to pooler rules). */
    public void markSessionLock() {
        takesSessionLocks = true;
    }

    /** Raw findings so far. */
    public List<RawFinding> findings() {
        return findings;
    }

    /** Problems so far. */
    public List<String> problems() {
        return problems;
    }

    /** Line of the first problem (0 when unknown). */
    public int problemLine() {
        return problemLine;
    }

    /** Whether the file takes a session-level lock. */
    public boolean takesSessionLocks() {
        return takesSessionLocks;
    }
}
