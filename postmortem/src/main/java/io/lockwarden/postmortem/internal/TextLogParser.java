package io.lockwarden.postmortem.internal;

import io.lockwarden.postmortem.LogEntry;
import java.time.Instant;
import java.util.regex.Matcher;

/**
 * Joins the lines of a text log (stderr destination, or the payload of syslog records) into entries: a line
 * that starts with the prefix and {@code SEVERITY:} opens an entry, unless its severity is DETAIL, HINT, CONTEXT,
 * STATEMENT, QUERY or LOCATION, which attach to the open entry; a line starting with a tab, or not matching the
 * prefix, continues the open entry. A line that continues nothing is counted as skipped. Not thread-safe.
 */
public final class TextLogParser {
    /** The most characters one entry keeps (16 Mi); further continuation lines are dropped. */
    public static final int MAX_ENTRY = 16 * 1024 * 1024;
    private final LinePrefix prefix;
    private final String source;
    private final Timestamps timestamps;
    private final ReadCounters counters;
    private Open open;

    /** A parser of lines written with {@code prefix}, emitting into {@code counters}. */
    public TextLogParser(LinePrefix prefix, String source, Timestamps timestamps, ReadCounters counters) {
        this.prefix = prefix;
        this.source = source;
        this.timestamps = timestamps;
        this.counters = counters;
    }

    /**
     * Reads one line.
     *
     * @param fallbackTime time to use when the prefix has none (syslog header), or null
     * @param fallbackPid  pid to use when the prefix has none (syslog header), or 0
     */
    public void line(String text, long lineNo, Instant fallbackTime, int fallbackPid) {
        if (!text.isEmpty() && text.charAt(0) == '\t') {
            continueOpen(text.substring(1));
            return;
        }
        Matcher m = text.indexOf(":  ") < 0 ? null : prefix.match(text);
        if (m == null || !m.matches()) {
            continueOpen(text);
            return;
        }
        String sev = m.group("sev");
        String msg = m.group("msg");
        if (open != null && attach(sev, msg)) {
            return;
        }
        flush();
        String t = prefix.value(m, "time");
        Instant time = t == null ? fallbackTime : timestamps.parse(t);
        String p = prefix.value(m, "pid");
        int pid = p == null ? fallbackPid : parsePid(p);
        open = new Open(time, pid, prefix.value(m, "user"), prefix.value(m, "db"), prefix.value(m, "app"), sev,
                prefix.value(m, "state"), msg, lineNo);
    }

    /** Emits the open entry, if any; call at end of input. */
    public void flush() {
        if (open != null) {
            counters.emit(open.entry(source));
            open = null;
        }
    }

    private boolean attach(String sev, String msg) {
        switch (sev) {
            case "DETAIL" -> open.detail = join(open.detail, msg);
            case "HINT" -> open.hint = join(open.hint, msg);
            case "CONTEXT" -> open.context = join(open.context, msg);
            case "STATEMENT", "QUERY" -> open.statement = join(open.statement, msg);
            case "LOCATION" -> { }
            default -> {
                return false;
            }
        }
        open.last = sev;
        return true;
    }

    private void continueOpen(String text) {
        if (open == null) {
            if (!text.isBlank()) {
                counters.skip();
            }
            return;
        }
        switch (open.last) {
            case "DETAIL" -> open.detail = join(open.detail, text);
            case "HINT" -> open.hint = join(open.hint, text);
            case "CONTEXT" -> open.context = join(open.context, text);
            case "STATEMENT", "QUERY" -> open.statement = join(open.statement, text);
            case "LOCATION" -> { }
            default -> open.message = join(open.message, text);
        }
    }

    /**
     * Appends a line to a field; an entry stops growing at {@link #MAX_ENTRY} characters (the rest of its lines
     * are dropped), so that a long run of lines no prefix starts cannot exhaust memory.
     */
    private StringBuilder join(StringBuilder a, String b) {
        if (open.chars > MAX_ENTRY) {
            return a;
        }
        open.chars += b.length() + 1;
        return a == null ? new StringBuilder(b) : a.append('\n').append(b);
    }

    private static int parsePid(String p) {
        try {
            return Integer.parseInt(p);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static final class Open {
        final Instant time;
        final int pid;
        final String user;
        final String db;
        final String app;
        final String sev;
        final String state;
        final long line;
        StringBuilder message;
        StringBuilder detail;
        StringBuilder hint;
        StringBuilder context;
        StringBuilder statement;
        String last = "";
        long chars;

        Open(Instant time, int pid, String user, String db, String app, String sev, String state, String message,
             long line) {
            this.time = time;
            this.pid = pid;
            this.user = user;
            this.db = db;
            this.app = app;
            this.sev = sev;
            this.state = state;
            this.message = new StringBuilder(message);
            this.line = line;
        }

        LogEntry entry(String source) {
            return new LogEntry(time, pid, user, db, app, sev, state, message.toString(), text(detail), text(hint),
                    text(context), text(statement), source, line);
        }

        private static String text(StringBuilder b) {
            return b == null ? null : b.toString();
        }
    }
}
