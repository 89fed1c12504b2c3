package io.lockwarden.postmortem.internal;

import io.lockwarden.postmortem.LogEntry;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;

/**
 * Reads a stderr log at the speed of a byte search: lines are found eight bytes at a time, each line's prefix is
 * matched on its bytes ({@link PrefixMatcher}), and only entries whose message may be a lock event are decoded and
 * assembled (by {@link TextLogParser}, with their DETAIL, STATEMENT and continuation lines). Lines, entries,
 * skipped lines, foreign severities and what the entries recorded (time, pid, database) are counted exactly as
 * {@link TextLogParser} would. Lines are split as {@code BufferedReader.readLine} splits them ({@code \n},
 * {@code \r}, {@code \r\n}); a line longer than the limit fails with
 * {@link LineLengthLimit.OverlongLineException}. One scanner reads one part of a source; not thread-safe.
 */
public final class StderrScanner {
    /** Message beginnings of every entry {@link LockEvents} may turn into an event (a superset). */
    private static final List<byte[]> KEYWORDS = List.of(bytes("process "), bytes("canceling statement due to "),
            bytes("deadlock detected"), bytes("disconnection: session time"), bytes("database system is shut down"),
            bytes("terminating "), bytes("server process (PID "), bytes("out of shared memory"));
    /** {@link #KEYWORDS} by their first byte, so most messages are ruled out by one array read. */
    private static final byte[][][] KEYWORD_BY_FIRST = new byte[128][][];

    static {
        for (byte[] k : KEYWORDS) {
            byte[][] old = KEYWORD_BY_FIRST[k[0]];
            byte[][] grown = old == null ? new byte[1][] : java.util.Arrays.copyOf(old, old.length + 1);
            grown[grown.length - 1] = k;
            KEYWORD_BY_FIRST[k[0]] = grown;
        }
    }

    private static final Set<String> ATTACHED = Set.of("DETAIL", "HINT", "CONTEXT", "STATEMENT", "QUERY",
            "LOCATION");
    private static final byte[][] ENGLISH = ReadCounters.ENGLISH.stream().map(StderrScanner::bytes)
            .toArray(byte[][]::new);
    private static final byte[][] ATTACHED_BYTES = ATTACHED.stream().map(StderrScanner::bytes)
            .toArray(byte[][]::new);
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class,
            ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;
    private static final long LF = 0x0A * ONES;
    private static final long CR = 0x0D * ONES;
    private static final int MAX_FOREIGN = 5;
    private static final byte[] DISCONNECTION = bytes("disconnection: session time");

    /** A source of bytes, read from its start (a file part or a stream). */
    @FunctionalInterface
    public interface ByteInput {
        /** Reads up to {@code len} bytes into {@code b} at {@code off}; -1 at the end. */
        int read(byte[] b, int off, int len) throws IOException;
    }

    private final LinePrefix prefix;
    private final PrefixMatcher matcher;
    private final Timestamps timestamps = new Timestamps();
    private final TextLogParser parser;
    private final Consumer<LogEntry> candidates;
    private final String source;
    private final int maxLine;
    private final int initialBuffer;
    private final List<String> foreign = new ArrayList<>();
    private long lines;
    private long entries;
    private long skipped;
    private boolean sawTime;
    private boolean sawSubsecond;
    private boolean sawPid;
    private boolean sawDatabase;
    private boolean open;
    private boolean feeding;
    private long high;

    // The line being classified.
    private int disconnectionAt;
    private int sevLength;
    private boolean start;
    private boolean attached;
    private boolean interesting;

    /**
     * A scanner of lines written with {@code prefix}, passing assembled lock candidates to {@code candidates}.
     *
     * @param continuing true for a part that does not start the source: lines before its first entry belong to
     *                   the previous part's last entry (which that part's scanner reads on to finish)
     */
    public StderrScanner(LinePrefix prefix, PrefixMatcher matcher, String source, Consumer<LogEntry> candidates,
                         int maxLine, int buffer, boolean continuing) {
        this.prefix = prefix;
        this.matcher = matcher;
        this.parser = new TextLogParser(prefix, source, new Timestamps(), new ReadCounters(candidates));
        this.candidates = candidates;
        this.source = source;
        this.maxLine = maxLine;
        this.initialBuffer = buffer;
        this.open = continuing;
    }

    /**
     * Reads {@code in} to its end, or, when {@code limit} is reached, to the end of the entry open there (lines from
     * {@code limit} on are not counted: they belong to the next part).
     *
     * @throws LineLengthLimit.OverlongLineException for a line longer than the limit (its number within this part)
     */
    public void run(ByteInput in, long limit) throws IOException {
        byte[] buf = new byte[initialBuffer];
        int len = 0;
        int from = 0;
        int scan = 0;
        long consumed = 0;
        high = 0;
        boolean eof = false;
        boolean pendingCr = false;
        while (true) {
            if (pendingCr) {
                if (from < len) {
                    if (buf[from] == '\n') {
                        from++;
                    }
                    pendingCr = false;
                    scan = from;
                } else if (!eof) {
                    consumed += len;
                    from = 0;
                    len = 0;
                    scan = 0;
                    int n = in.read(buf, 0, buf.length);
                    if (n < 0) {
                        eof = true;
                    } else {
                        len += n;
                    }
                    continue;
                } else {
                    pendingCr = false;
                }
            }
            int idx = findEol(buf, scan, len);
            if (idx < 0) {
                scan = len;
                if (len - from > maxLine) {
                    throw new LineLengthLimit.OverlongLineException(lines + 1, maxLine);
                }
                if (eof) {
                    if (from < len && (consumed + from < limit || feeding)) {
                        line(buf, from, len, high != 0, consumed + from >= limit);
                    }
                    break;
                }
                if (from > 0) {
                    System.arraycopy(buf, from, buf, 0, len - from);
                    len -= from;
                    scan -= from;
                    consumed += from;
                    from = 0;
                }
                if (len == buf.length) {
                    buf = java.util.Arrays.copyOf(buf, (int) Math.min((long) buf.length * 2, maxLine + 16L));
                }
                int n = in.read(buf, len, buf.length - len);
                if (n < 0) {
                    eof = true;
                } else {
                    len += n;
                }
                continue;
            }
            if (idx - from > maxLine) {
                throw new LineLengthLimit.OverlongLineException(lines + 1, maxLine);
            }
            boolean past = consumed + from >= limit;
            if (past && !feeding) {
                break;
            }
            if (!line(buf, from, idx, high != 0, past)) {
                break;
            }
            high = 0;
            pendingCr = buf[idx] == '\r';
            from = idx + 1;
            scan = from;
        }
        if (feeding) {
            parser.flush();
            feeding = false;
        }
    }

    /**
     * The index of the first {@code \n} or {@code \r} in {@code b[from, to)}, or -1; ORs the high bits of the bytes
     * before it into {@link #high}. Small on purpose, so that the JIT compiles and inlines it early.
     */
    private int findEol(byte[] b, int from, int to) {
        int i = from;
        long hi = 0;
        while (i + 8 <= to) {
            long x = (long) LONGS.get(b, i);
            long a = x ^ LF;
            long c = x ^ CR;
            long z = ((a - ONES) & ~a | (c - ONES) & ~c) & HIGHS;
            if (z != 0) {
                int k = Long.numberOfTrailingZeros(z) >>> 3;
                high |= (hi | x & ((1L << (k << 3)) - 1)) & HIGHS;
                return i + k;
            }
            hi |= x;
            i += 8;
        }
        for (; i < to; i++) {
            byte c = b[i];
            if (c == '\n' || c == '\r') {
                high |= hi & HIGHS;
                return i;
            }
            hi |= c & 0x80;
        }
        high |= hi & HIGHS;
        return -1;
    }

    /** Handles one line; false to stop (a new entry past the limit). */
    private boolean line(byte[] b, int s, int e, boolean nonAscii, boolean past) {
        String text = nonAscii ? classifyDecoded(b, s, e, past) : classify(b, s, e, past);
        if (past) {
            if (start && !(open && attached)) {
                return false;
            }
            if (feeding) {
                parser.line(text != null ? text : ascii(b, s, e), 0, null, 0);
            }
            return true;
        }
        lines++;
        if (!start) {
            if (!open) {
                if (!blank(b, s, e, text)) {
                    skipped++;
                }
            } else if (feeding) {
                parser.line(text != null ? text : ascii(b, s, e), lines, null, 0);
            }
            return true;
        }
        if (open && attached) {
            if (feeding) {
                parser.line(text != null ? text : ascii(b, s, e), lines, null, 0);
            }
            return true;
        }
        open = true;
        entries++;
        if (interesting && text == null && startsWith(b, disconnectionAt, DISCONNECTION, e)) {
            // One per session in a log_disconnections log: the replay reads only its time, pid and database,
            // which the prefix match already found, so no regular expression and no assembly.
            if (feeding) {
                parser.flush();
                feeding = false;
            }
            candidates.accept(new LogEntry(spanTime(b), spanPid(b), null, spanText(b, PrefixMatcher.DB), null,
                    ascii(b, disconnectionAt - 3 - sevLength, disconnectionAt - 3), null,
                    ascii(b, disconnectionAt, e), null, null, null, null, source, lines));
            return true;
        }
        if (interesting) {
            parser.line(text != null ? text : ascii(b, s, e), lines, null, 0);
            feeding = true;
        } else if (feeding) {
            parser.flush();
            feeding = false;
        }
        return true;
    }

    /** Classifies an ASCII line from its bytes; returns null (no text decoded) unless it fell back. */
    private String classify(byte[] b, int s, int e, boolean past) {
        if (e > s && b[s] == '\t') {
            start = false;
            return null;
        }
        int r = matcher.match(b, s, e);
        if (r == PrefixMatcher.UNSURE) {
            return classifyDecoded(b, s, e, past);
        }
        start = r == PrefixMatcher.MATCH;
        if (!start) {
            return null;
        }
        int ss = matcher.sevStart();
        int se = matcher.sevEnd();
        attached = among(ATTACHED_BYTES, b, ss, se);
        if (past || open && attached) {
            return null;
        }
        interesting = keyword(b, se + 3, e);
        disconnectionAt = se + 3;
        sevLength = se - ss;
        if (!among(ENGLISH, b, ss, se) && foreign.size() < MAX_FOREIGN) {
            String w = ascii(b, ss, se);
            if (!foreign.contains(w)) {
                foreign.add(w);
            }
        }
        if (!sawTime || !sawSubsecond) {
            int ts = matcher.start(PrefixMatcher.TIME);
            if (ts >= 0 && (!sawTime || contains(b, ts, matcher.end(PrefixMatcher.TIME), (byte) '.'))) {
                time(ascii(b, ts, matcher.end(PrefixMatcher.TIME)));
            }
        }
        if (!sawPid && matcher.start(PrefixMatcher.PID) >= 0) {
            sawPid = parsePid(ascii(b, matcher.start(PrefixMatcher.PID), matcher.end(PrefixMatcher.PID))) != 0;
        }
        if (!sawDatabase && matcher.start(PrefixMatcher.DB) >= 0) {
            database(ascii(b, matcher.start(PrefixMatcher.DB), matcher.end(PrefixMatcher.DB)));
        }
        return null;
    }

    /** Classifies a line through the regular expression, as {@link TextLogParser#line} does; returns its text. */
    private String classifyDecoded(byte[] b, int s, int e, boolean past) {
        String text = new String(b, s, e - s, StandardCharsets.UTF_8);
        if (!text.isEmpty() && text.charAt(0) == '\t') {
            start = false;
            return text;
        }
        Matcher m = text.indexOf(":  ") < 0 ? null : prefix.match(text);
        start = m != null && m.matches();
        if (!start) {
            return text;
        }
        String sev = m.group("sev");
        attached = ATTACHED.contains(sev);
        if (past || open && attached) {
            return text;
        }
        String msg = m.group("msg");
        interesting = false;
        for (byte[] k : KEYWORDS) {
            if (msg.startsWith(new String(k, StandardCharsets.ISO_8859_1))) {
                interesting = true;
                break;
            }
        }
        if (!ReadCounters.ENGLISH.contains(sev) && foreign.size() < MAX_FOREIGN && !foreign.contains(sev)) {
            foreign.add(sev);
        }
        String t = prefix.value(m, "time");
        if (t != null) {
            time(t);
        }
        String p = prefix.value(m, "pid");
        sawPid |= p != null && parsePid(p) != 0;
        String d = prefix.value(m, "db");
        sawDatabase |= d != null;
        return text;
    }

    private Instant spanTime(byte[] b) {
        String t = spanText(b, PrefixMatcher.TIME);
        return t == null ? null : timestamps.parse(t);
    }

    private int spanPid(byte[] b) {
        String p = spanText(b, PrefixMatcher.PID);
        return p == null ? 0 : parsePid(p);
    }

    /** A captured field as {@link LinePrefix#value} gives it: null when absent, empty or {@code [unknown]}. */
    private String spanText(byte[] b, int slot) {
        int s = matcher.start(slot);
        if (s < 0 || s == matcher.end(slot)) {
            return null;
        }
        String v = ascii(b, s, matcher.end(slot));
        return v.equals("[unknown]") ? null : v;
    }

    private static boolean startsWith(byte[] b, int s, byte[] k, int e) {
        return e - s >= k.length && java.util.Arrays.equals(b, s, s + k.length, k, 0, k.length);
    }

    private void time(String t) {
        if (t.isEmpty() || t.equals("[unknown]")) {
            return;
        }
        Instant x = timestamps.parse(t);
        if (x != null) {
            sawTime = true;
            sawSubsecond |= x.getNano() != 0;
        }
    }

    private void database(String d) {
        sawDatabase = !d.isEmpty() && !d.equals("[unknown]");
    }

    private static boolean blank(byte[] b, int s, int e, String text) {
        if (text != null) {
            return (!text.isEmpty() && text.charAt(0) == '\t' ? text.substring(1) : text).isBlank();
        }
        int i = e > s && b[s] == '\t' ? s + 1 : s;
        for (; i < e; i++) {
            byte c = b[i];
            if (!(c == ' ' || c >= 9 && c <= 13 || c >= 28 && c <= 31)) {
                return false;
            }
        }
        return true;
    }

    private static boolean keyword(byte[] b, int s, int e) {
        if (s >= e) {
            return false;
        }
        byte[][] candidates = KEYWORD_BY_FIRST[b[s] & 0x7f];
        if (candidates == null) {
            return false;
        }
        for (byte[] k : candidates) {
            if (e - s >= k.length && startsWith(b, s, k)) {
                return true;
            }
        }
        return false;
    }

    private static boolean startsWith(byte[] b, int s, byte[] k) {
        for (int i = 1; i < k.length; i++) {
            if (b[s + i] != k[i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean among(byte[][] words, byte[] b, int s, int e) {
        int n = e - s;
        for (byte[] w : words) {
            if (w.length == n && w[0] == b[s] && java.util.Arrays.equals(b, s, e, w, 0, n)) {
                return true;
            }
        }
        return false;
    }

    private static boolean contains(byte[] b, int s, int e, byte c) {
        for (int i = s; i < e; i++) {
            if (b[i] == c) {
                return true;
            }
        }
        return false;
    }

    private static int parsePid(String p) {
        try {
            return Integer.parseInt(p);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String ascii(byte[] b, int s, int e) {
        return new String(b, s, e - s, StandardCharsets.ISO_8859_1);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Physical lines counted (those before the limit). */
    public long lines() {
        return lines;
    }

    /** Entries started. */
    public long entries() {
        return entries;
    }

    /** Lines that continued no entry. */
    public long skipped() {
        return skipped;
    }

    /** Non-English severity words, in order of appearance (at most five). */
    public List<String> foreign() {
        return foreign;
    }

    /** Whether some entry had a time. */
    public boolean sawTime() {
        return sawTime;
    }

    /** Whether some entry had a time with a fraction of a second. */
    public boolean sawSubsecond() {
        return sawSubsecond;
    }

    /** Whether some entry had a pid. */
    public boolean sawPid() {
        return sawPid;
    }

    /** Whether some entry had a database. */
    public boolean sawDatabase() {
        return sawDatabase;
    }
}
