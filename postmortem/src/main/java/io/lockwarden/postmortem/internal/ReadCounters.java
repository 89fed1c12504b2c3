package io.lockwarden.postmortem.internal;

import io.lockwarden.postmortem.LogEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Counts what a parser read, remembers non-English severity words, and hands entries on. Not thread-safe: one
 * per source.
 */
public final class ReadCounters {
    /** Severity words of PostgreSQL's English messages, including the attached-line labels. */
    public static final Set<String> ENGLISH = Set.of("LOG", "ERROR", "FATAL", "PANIC", "WARNING", "NOTICE", "INFO",
            "DEBUG", "DEBUG1", "DEBUG2", "DEBUG3", "DEBUG4", "DEBUG5", "DETAIL", "HINT", "CONTEXT", "STATEMENT",
            "QUERY", "LOCATION");
    private static final int MAX_FOREIGN = 5;

    private final Consumer<LogEntry> sink;
    private final List<String> foreign = new ArrayList<>();
    long lines;
    long entries;
    long skipped;

    /** Counters handing entries to {@code sink}. */
    public ReadCounters(Consumer<LogEntry> sink) {
        this.sink = sink;
    }

    /** Passes an entry on, noting a non-English severity. */
    public void emit(LogEntry e) {
        entries++;
        String sev = e.severity();
        if (sev != null && !ENGLISH.contains(sev) && foreign.size() < MAX_FOREIGN && !foreign.contains(sev)) {
            foreign.add(sev);
        }
        sink.accept(e);
    }

    /** Counts one physical line. */
    public void line() {
        lines++;
    }

    /** Counts one truncated or garbled line that was skipped. */
    public void skip() {
        skipped++;
    }

    /** Physical lines read. */
    public long lines() {
        return lines;
    }

    /** Entries emitted. */
    public long entries() {
        return entries;
    }

    /** Lines skipped. */
    public long skipped() {
        return skipped;
    }

    /** Non-English severity words seen (at most five). */
    public List<String> foreign() {
        return List.copyOf(foreign);
    }
}
