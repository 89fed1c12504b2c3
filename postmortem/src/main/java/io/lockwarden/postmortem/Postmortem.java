package io.lockwarden.postmortem;

import io.lockwarden.LockKey;
import io.lockwarden.inspect.KeyDecoder;
import io.lockwarden.postmortem.internal.EntrySink;
import io.lockwarden.postmortem.internal.IncidentAnalysis;
import io.lockwarden.postmortem.internal.LockEvent;
import io.lockwarden.postmortem.internal.LockEvents;
import io.lockwarden.postmortem.internal.ReportAssembler;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Reconstructs an advisory lock incident from PostgreSQL server logs: who held which key, who waited, how long,
 * how each wait ended, which termination or release freed which waiters, and the incident's timeline.
 *
 * <pre>{@code
 * Report report = Postmortem.builder()
 *         .namespace("billing")                          // name keys of LockKey.named("billing", ...)
 *         .since(Instant.parse("2026-12-01T08:00:00Z"))
 *         .build()
 *         .analyze(LogReader.builder().build(), List.of(Path.of("postgresql.log")), System.in);
 * System.out.print(ReportFormat.TEXT.render(report));
 * }</pre>
 *
 * <p>Streaming: entries are read one at a time and only lock events are kept (at most {@link #MAX_EVENTS}), so
 * memory does not grow with the size of the log. Messages are read in English. Immutable and thread-safe.
 */
public final class Postmortem {
    /** Most lock events analysed per run; further events are counted and the report says so. */
    public static final int MAX_EVENTS = 2_000_000;

    private final Instant since;
    private final Instant until;
    private final String database;
    private final List<String> namespaces;
    private final List<LockKey> knownKeys;

    private Postmortem(Builder b) {
        this.since = b.since;
        this.until = b.until;
        this.database = b.database;
        this.namespaces = List.copyOf(b.namespaces);
        this.knownKeys = List.copyOf(b.knownKeys);
    }

    /** A builder with no filters. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads every source in order (a path of {@code -} reads {@code stdin}) and analyses them together; sources may
     * be given in any order (rotated files), since events are replayed by time.
     *
     * @throws UnreadableLogException naming the first source that cannot be read or is not a PostgreSQL log, or
     *                                saying "nothing usable read" when no line of any source was recognised as a
     *                                server log line (empty input, or a {@code --log-format} that skips every line)
     */
    public Report analyze(LogReader reader, List<Path> sources, InputStream stdin) {
        Objects.requireNonNull(reader, "reader");
        Collector collector = new Collector();
        List<SourceSummary> summaries = new ArrayList<>();
        for (Path p : sources) {
            summaries.add(reader.scan(p, stdin, collector));
        }
        if (summaries.stream().allMatch(s -> s.entries() == 0)) {
            throw new UnreadableLogException("nothing usable read: no line of " + String.join(", ",
                    summaries.stream().map(SourceSummary::source).toList()) + " is a PostgreSQL server log entry ("
                    + (summaries.stream().allMatch(s -> s.lines() == 0) ? "empty input" : summaries.stream()
                    .mapToLong(SourceSummary::lines).sum() + " lines read as " + summaries.get(0).format().label())
                    + "); pass the server's log file, and leave out --log-format and --prefix to detect them");
        }
        return collector.report(summaries);
    }

    /**
     * Analyses entries produced elsewhere (e.g. by {@link LogReader#read(String, InputStream,
     * java.util.function.Consumer)}), with the summaries of their sources.
     */
    public Report analyze(Iterable<LogEntry> entries, List<SourceSummary> sources) {
        Collector collector = new Collector();
        entries.forEach(collector::accept);
        return collector.report(sources);
    }

    private final class Collector implements EntrySink {
        final List<LockEvent> events = new ArrayList<>();
        long seq;
        long dropped;
        boolean sawDatabase;
        boolean sawTime;
        boolean sawSubsecond;
        boolean sawPid;
        long entries;

        void accept(LogEntry e) {
            entry(e);
        }

        @Override
        public void entry(LogEntry e) {
            entries++;
            sawTime |= e.time() != null;
            sawSubsecond |= e.time() != null && e.time().getNano() != 0;
            sawPid |= e.pid() != 0;
            sawDatabase |= e.database() != null;
            lockCandidate(e);
        }

        @Override
        public void seen(long count, boolean time, boolean subsecond, boolean pid, boolean db) {
            entries += count;
            sawTime |= time;
            sawSubsecond |= subsecond;
            sawPid |= pid;
            sawDatabase |= db;
        }

        @Override
        public void lockCandidate(LogEntry e) {
            if (e.time() != null && (since != null && e.time().isBefore(since) || until != null
                    && e.time().isAfter(until))) {
                return;
            }
            if (database != null && e.database() != null && !database.equals(e.database())) {
                return;
            }
            LockEvent ev = LockEvents.of(e, seq++);
            if (ev == null) {
                return;
            }
            if (events.size() >= MAX_EVENTS) {
                dropped++;
                return;
            }
            events.add(ev);
        }

        Report report(List<SourceSummary> sources) {
            IncidentAnalysis analysis = new IncidentAnalysis(new KeyDecoder(namespaces, knownKeys));
            analysis.replay(events);
            List<String> notes = new ArrayList<>();
            if (entries > 0 && !sawTime) {
                notes.add("the log has no timestamps (log_line_prefix without %m or %t): waits have no times; "
                        + "set log_line_prefix = '%m [%p] %q%u@%d '");
            }
            if (sawTime && !sawSubsecond) {
                notes.add("the log's times have one-second precision (log_line_prefix %t): wait starts, overlaps and "
                        + "peaks are approximate; use %m for milliseconds");
            }
            if (entries > 0 && !sawPid) {
                notes.add("the log has no process ids (log_line_prefix without %p): errors and terminations cannot be "
                        + "linked to waits; set log_line_prefix = '%m [%p] %q%u@%d '");
            }
            if (database != null && entries > 0 && !sawDatabase) {
                notes.add("--database " + database + " could not be applied: the log does not record databases "
                        + "(log_line_prefix without %d), so every database's events are included");
            }
            if ((since != null || until != null) && entries > 0 && !sawTime) {
                notes.add("--since/--until could not be applied: the log has no timestamps");
            }
            return ReportAssembler.assemble(analysis, sources, notes, dropped);
        }
    }

    /** Configures a postmortem. Not thread-safe. */
    public static final class Builder {
        private Instant since;
        private Instant until;
        private String database;
        private final List<String> namespaces = new ArrayList<>();
        private final List<LockKey> knownKeys = new ArrayList<>();

        private Builder() {
        }

        /** Ignore entries logged before this instant (entries without a time are kept). */
        public Builder since(Instant since) {
            this.since = since;
            return this;
        }

        /** Ignore entries logged after this instant. */
        public Builder until(Instant until) {
            this.until = until;
            return this;
        }

        /** Only entries of this database (entries whose database is not logged are kept, and the report says so). */
        public Builder database(String database) {
            this.database = database;
            return this;
        }

        /** Label pair keys whose first int is {@code LockKey.hash(namespace)} as {@code namespace/#second}. */
        public Builder namespace(String namespace) {
            namespaces.add(Objects.requireNonNull(namespace, "namespace"));
            return this;
        }

        /** Label a fully named key (e.g. {@code LockKey.named("billing", "invoice-42")}) with its name. */
        public Builder knownKey(LockKey key) {
            knownKeys.add(Objects.requireNonNull(key, "key"));
            return this;
        }

        /** The postmortem. */
        public Postmortem build() {
            return new Postmortem(this);
        }
    }
}
