package io.lockwarden.postmortem;

import io.lockwarden.postmortem.internal.CsvLogParser;
import io.lockwarden.postmortem.internal.EntrySink;
import io.lockwarden.postmortem.internal.StderrSource;
import io.lockwarden.postmortem.internal.JsonLogParser;
import io.lockwarden.postmortem.internal.LineLengthLimit;
import io.lockwarden.postmortem.internal.LinePrefix;
import io.lockwarden.postmortem.internal.ReadCounters;
import io.lockwarden.postmortem.internal.SyslogParser;
import io.lockwarden.postmortem.internal.TextLogParser;
import io.lockwarden.postmortem.internal.Timestamps;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * Reads PostgreSQL server logs in every format a server writes (stderr with any {@code log_line_prefix},
 * {@code csvlog}, {@code jsonlog}, syslog), plain or gzip-compressed, and streams them as {@link LogEntry}s with
 * their DETAIL, HINT, CONTEXT and STATEMENT lines joined.
 *
 * <pre>{@code
 * LogReader reader = LogReader.builder().build();          // detect format and prefix
 * SourceSummary s = reader.read(Path.of("postgresql.log.gz"), entry -> ...);
 * }</pre>
 *
 * <p>The format is detected from the first lines; for stderr and syslog the prefix is the one given with
 * {@link Builder#prefix(String)}, else the first of {@link #KNOWN_PREFIXES} that matches most sample lines.
 * Memory is bounded: one entry is assembled at a time (plus a 256 KiB look-ahead for detection), lines are at
 * most {@link #MAX_LINE} long. Truncated or
 * garbled lines are counted and skipped. Immutable and thread-safe; each read uses its own state.
 */
public final class LogReader {
    /**
     * The prefixes tried when none is given: Debian/Ubuntu's {@code %m [%p] %q%u@%d }, PostgreSQL's default
     * {@code %m [%p] }, Amazon RDS's {@code %t:%r:%u@%d:[%p]:}, pgBadger's recommended ones, then timestamp-only
     * and empty prefixes.
     */
    public static final List<String> KNOWN_PREFIXES = List.of("%m [%p] %q%u@%d ", "%m [%p] ", "%t:%r:%u@%d:[%p]:",
            "%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ", "%t [%p]: user=%u,db=%d,app=%a,client=%h ",
            "%m [%p] %q[user=%u,db=%d,app=%a] ", "%t [%p] ", "%m ", "%t ", "");
    /**
     * The longest line read, in bytes (or characters): 16 MiB. PostgreSQL writes nothing longer except a logged
     * statement of that size; a longer line (a binary file, {@code /dev/zero}, a disk that filled with NUL bytes)
     * stops the read with an {@link UnreadableLogException} naming the line, so memory stays bounded whatever the
     * input.
     */
    public static final int MAX_LINE = 16 * 1024 * 1024;
    private static final int LOOKAHEAD = 256 * 1024;
    private static final int SAMPLE_LINES = 200;
    private static final Pattern CSV_START = Pattern.compile("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d+ [^ ,]+,.*");

    private final String prefix;
    private final LogFormat format;

    private LogReader(Builder b) {
        this.prefix = b.prefix;
        this.format = b.format;
    }

    /** A builder; the defaults detect format and prefix. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads a file (plain or gzip).
     *
     * @throws UnreadableLogException when the file is missing or unreadable, or is not a PostgreSQL log
     */
    public SourceSummary read(Path file, Consumer<LogEntry> sink) {
        if (Files.isDirectory(file)) {
            throw new UnreadableLogException(file + " is a directory: pass the log files in it (e.g. " + file
                    + "/postgresql-*.log)");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return read(file.toString(), in, sink);
        } catch (NoSuchFileException e) {
            throw new UnreadableLogException(file + " does not exist: check the path (SHOW log_directory on the server)");
        } catch (IOException e) {
            throw new UnreadableLogException("cannot read " + file + ": " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()) + "; check the path and its permissions", e);
        }
    }

    /**
     * Reads a stream (plain or gzip) named {@code name} in messages, e.g. {@code -} for stdin. Does not close it.
     *
     * @throws UnreadableLogException when it cannot be read or is not a PostgreSQL log
     */
    public SourceSummary read(String name, InputStream raw, Consumer<LogEntry> sink) {
        try {
            BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
            in.mark(2);
            boolean gzip = in.read() == 0x1f && in.read() == 0x8b;
            in.reset();
            InputStream body = gzip ? new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16) : in;
            return readDecoded(name, body, gzip, sink);
        } catch (java.util.zip.ZipException e) {
            throw corrupt(name, e);
        } catch (java.io.EOFException e) {
            throw truncated(name, e);
        } catch (IOException e) {
            throw new UnreadableLogException("cannot read " + name + ": " + e.getClass().getSimpleName()
                    + "; check the path and its permissions", e);
        }
    }

    private SourceSummary readDecoded(String name, InputStream body, boolean gzip, Consumer<LogEntry> sink) {
        try {
            BufferedReader reader = new BufferedReader(new LineLengthLimit(new InputStreamReader(body,
                    StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                            .onUnmappableCharacter(CodingErrorAction.REPLACE)), MAX_LINE), 1 << 16);
            reader.mark(LOOKAHEAD + MAX_LINE + 2); // the sample's lines may be long; the buffer grows only if they are
            List<String> sample = sample(reader);
            reader.reset();
            LogFormat fmt = format != null ? format : detect(name, sample);
            ReadCounters counters = new ReadCounters(sink);
            Timestamps timestamps = new Timestamps();
            String used = null;
            switch (fmt) {
                case CSVLOG -> CsvLogParser.read(reader, name, timestamps, counters);
                case JSONLOG -> JsonLogParser.read(reader, name, timestamps, counters);
                case SYSLOG -> {
                    List<String> payloads = new ArrayList<>();
                    for (String s : sample) {
                        Matcher m = SyslogParser.LINE.matcher(s);
                        payloads.add(m.matches() ? m.group("rest") : s);
                    }
                    LinePrefix p = choosePrefix(name, payloads);
                    used = p.text();
                    SyslogParser.read(reader, new TextLogParser(p, name, timestamps, counters), counters);
                }
                case STDERR -> {
                    LinePrefix p = choosePrefix(name, sample);
                    used = p.text();
                    TextLogParser text = new TextLogParser(p, name, timestamps, counters);
                    String line;
                    long no = 0;
                    while ((line = reader.readLine()) != null) {
                        no++;
                        counters.line();
                        text.line(line, no, null, 0);
                    }
                    text.flush();
                }
                default -> throw new IllegalStateException(fmt.name());
            }
            return new SourceSummary(name, fmt, gzip, used, counters.lines(), counters.entries(), counters.skipped(),
                    counters.foreign());
        } catch (LineLengthLimit.OverlongLineException e) {
            throw overlong(name, e.line(), e);
        } catch (java.util.zip.ZipException e) {
            throw corrupt(name, e);
        } catch (java.io.EOFException e) {
            throw truncated(name, e);
        } catch (IOException e) {
            throw new UnreadableLogException("cannot read " + name + ": " + e.getClass().getSimpleName()
                    + "; check the path and its permissions", e);
        }
    }

    /**
     * Reads a source for {@link Postmortem}: stderr logs (plain files on both cores, gzip and stdin on one) through
     * {@link StderrSource}, which assembles only entries that may be lock events and counts the rest; other
     * formats entry by entry. A path of {@code -} reads {@code stdin}.
     */
    SourceSummary scan(Path file, InputStream stdin, EntrySink sink) {
        String name = file.toString();
        boolean isStdin = name.equals("-");
        if (!isStdin && Files.isDirectory(file)) {
            throw new UnreadableLogException(file + " is a directory: pass the log files in it (e.g. " + file
                    + "/postgresql-*.log)");
        }
        try {
            if (!isStdin && Files.isRegularFile(file)) {
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                    byte[] head = head(name, java.nio.channels.Channels.newInputStream(ch));
                    boolean gzip = head.length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b;
                    if (!gzip) {
                        return scanFile(name, ch, head, sink);
                    }
                }
            }
            try (InputStream opened = isStdin ? null : Files.newInputStream(file)) {
                BufferedInputStream in = new BufferedInputStream(isStdin ? stdin : opened, 1 << 16);
                in.mark(2);
                boolean gzip = in.read() == 0x1f && in.read() == 0x8b;
                in.reset();
                InputStream body = gzip ? new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16) : in;
                byte[] head = head(name, body);
                return scanStream(name, head, body, gzip, sink);
            }
        } catch (NoSuchFileException e) {
            throw new UnreadableLogException(file + " does not exist: check the path (SHOW log_directory on the server)");
        } catch (LineLengthLimit.OverlongLineException e) {
            throw overlong(name, e.line(), e);
        } catch (java.util.zip.ZipException e) {
            throw corrupt(name, e);
        } catch (java.io.EOFException e) {
            throw truncated(name, e);
        } catch (IOException e) {
            throw new UnreadableLogException("cannot read " + name + ": " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()) + "; check the path and its permissions", e);
        }
    }

    private SourceSummary scanStream(String name, byte[] head, InputStream body, boolean gzip, EntrySink sink)
            throws IOException {
        List<String> sample = sample(head);
        LogFormat fmt = format != null ? format : detect(name, sample);
        if (fmt != LogFormat.STDERR) {
            return readDecoded(name, new java.io.SequenceInputStream(new java.io.ByteArrayInputStream(head), body),
                    gzip, sink::entry);
        }
        return StderrSource.stream(name, choosePrefix(name, sample), head, body, gzip, MAX_LINE, sink);
    }

    private SourceSummary scanFile(String name, FileChannel ch, byte[] head, EntrySink sink) throws IOException {
        List<String> sample = sample(head);
        LogFormat fmt = format != null ? format : detect(name, sample);
        if (fmt != LogFormat.STDERR) {
            ch.position(0);
            return readDecoded(name, java.nio.channels.Channels.newInputStream(ch), false, sink::entry);
        }
        return StderrSource.file(name, choosePrefix(name, sample), ch, MAX_LINE, sink);
    }

    /**
     * The first {@link #LOOKAHEAD} bytes of a source, or more when no line ends in them: up to the end of the first
     * line, which must end within {@link #MAX_LINE} bytes.
     */
    private static byte[] head(String name, InputStream in) throws IOException {
        byte[] head = in.readNBytes(LOOKAHEAD);
        if (head.length < LOOKAHEAD) {
            return head;
        }
        for (byte c : head) {
            if (c == '\n' || c == '\r') {
                return head;
            }
        }
        java.io.ByteArrayOutputStream more = new java.io.ByteArrayOutputStream(LOOKAHEAD * 2);
        more.write(head);
        byte[] block = new byte[1 << 16];
        int n;
        while ((n = in.read(block)) > 0) {
            more.write(block, 0, n);
            for (int i = 0; i < n; i++) {
                if (block[i] == '\n' || block[i] == '\r') {
                    return more.toByteArray();
                }
            }
            if (more.size() > MAX_LINE) {
                throw new LineLengthLimit.OverlongLineException(1, MAX_LINE);
            }
        }
        return more.toByteArray();
    }

    /** The first lines of a source's first bytes, as {@code BufferedReader.readLine} splits them. */
    private static List<String> sample(byte[] head) {
        String text = new String(head, StandardCharsets.UTF_8);
        List<String> lines = new ArrayList<>();
        int chars = 0;
        int i = 0;
        while (lines.size() < SAMPLE_LINES && chars < LOOKAHEAD / 2 && i < text.length()) {
            int j = i;
            while (j < text.length() && text.charAt(j) != '\n' && text.charAt(j) != '\r') {
                j++;
            }
            String line = text.substring(i, j);
            lines.add(line);
            chars += line.length() + 1;
            if (j + 1 < text.length() && text.charAt(j) == '\r' && text.charAt(j + 1) == '\n') {
                j++;
            }
            i = j + 1;
        }
        return lines;
    }

    private static UnreadableLogException corrupt(String name, java.util.zip.ZipException e) {
        return new UnreadableLogException(name + " is a corrupt gzip file (" + e.getMessage()
                + "): decompress it with gunzip to see how much is readable", e);
    }

    private static UnreadableLogException truncated(String name, java.io.EOFException e) {
        return new UnreadableLogException(name + " ends in the middle of a gzip block: the file is truncated; "
                + "decompress what is readable with 'gunzip -c' and pass that", e);
    }

    static UnreadableLogException overlong(String name, long line, Throwable cause) {
        return new UnreadableLogException(name + ": line " + line + " is longer than 16 MiB, which is no line a "
                + "PostgreSQL server writes (binary data or NUL bytes?); pass a log file, or cut the long lines "
                + "first (cut -b1-1000000 FILE | lockwarden postmortem -)", cause);
    }

    private static List<String> sample(BufferedReader reader) throws IOException {
        List<String> lines = new ArrayList<>();
        int chars = 0;
        String line;
        while (lines.size() < SAMPLE_LINES && chars < LOOKAHEAD / 2 && (line = reader.readLine()) != null) {
            lines.add(line);
            chars += line.length() + 1;
        }
        return lines;
    }

    private static LogFormat detect(String name, List<String> sample) {
        for (String line : sample) {
            if (line.isBlank()) {
                continue;
            }
            if (line.startsWith("{\"timestamp\":")) {
                return LogFormat.JSONLOG;
            }
            if (CSV_START.matcher(line).matches()) {
                return LogFormat.CSVLOG;
            }
            if (SyslogParser.LINE.matcher(line).matches()) {
                return LogFormat.SYSLOG;
            }
            return LogFormat.STDERR;
        }
        return LogFormat.STDERR;
    }

    private LinePrefix choosePrefix(String name, List<String> sample) {
        boolean empty = sample.stream().allMatch(String::isBlank);
        if (prefix != null) {
            LinePrefix p = LinePrefix.of(prefix);
            if (!empty && score(p, sample) == 0) {
                throw new UnreadableLogException(name + ": no line matches --prefix '" + prefix
                        + "': pass the server's log_line_prefix exactly (SHOW log_line_prefix)");
            }
            return p;
        }
        LinePrefix best = LinePrefix.of(KNOWN_PREFIXES.get(0));
        int bestScore = 0;
        for (String candidate : KNOWN_PREFIXES) {
            LinePrefix p = LinePrefix.of(candidate);
            int s = score(p, sample);
            if (s > bestScore) {
                best = p;
                bestScore = s;
            }
        }
        if (bestScore == 0 && !empty) {
            throw new UnreadableLogException(name + " is not a PostgreSQL server log: no line looks like stderr "
                    + "output with a known log_line_prefix, csvlog, jsonlog or syslog; if it is one, pass the "
                    + "server's log_line_prefix with --prefix (SHOW log_line_prefix)");
        }
        return best;
    }

    private static int score(LinePrefix p, List<String> sample) {
        int n = 0;
        for (String line : sample) {
            Matcher m = p.match(line);
            if (m.matches() && ReadCounters.ENGLISH.contains(m.group("sev"))) {
                n += 2;
            } else if (m.matches() && m.group("sev").equals(m.group("sev").toUpperCase(java.util.Locale.ROOT))) {
                n++;
            }
        }
        return n;
    }

    /** Configures a reader. Not thread-safe. */
    public static final class Builder {
        private String prefix;
        private LogFormat format;

        private Builder() {
        }

        /**
         * The server's {@code log_line_prefix} for stderr and syslog logs, pgBadger-style (e.g. {@code "%t [%p]: "}),
         * instead of detecting one of {@link #KNOWN_PREFIXES}.
         */
        public Builder prefix(String prefix) {
            this.prefix = prefix;
            return this;
        }

        /** The format, instead of detecting it. */
        public Builder format(LogFormat format) {
            this.format = format;
            return this;
        }

        /** The reader. */
        public LogReader build() {
            return new LogReader(this);
        }
    }
}
