package io.lockwarden.postmortem.internal;

import io.lockwarden.postmortem.LogEntry;
import io.lockwarden.postmortem.LogFormat;
import io.lockwarden.postmortem.SourceSummary;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a stderr log source with {@link StderrScanner}s: a plain file of at least 8 MiB on two threads (split at
 * the line end after its middle; the first part reads on to finish the entry open there), anything else (a small
 * file, gzip, stdin) on one. Lock candidates reach the sink in log order. Stateless, thread-safe.
 */
public final class StderrSource {
    private static final int SCAN_BUFFER = 1 << 20;
    private static final long PARALLEL_MIN = 8L << 20;

    private StderrSource() {
    }

    /**
     * Reads a stream whose first bytes, already read for format detection, are {@code head}.
     *
     * @throws LineLengthLimit.OverlongLineException for a line longer than {@code maxLine}
     */
    public static SourceSummary stream(String name, LinePrefix p, byte[] head, InputStream body, boolean gzip,
                                       int maxLine, EntrySink sink) throws IOException {
        StderrScanner scanner = new StderrScanner(p, PrefixMatcher.of(p), name, sink::lockCandidate, maxLine,
                SCAN_BUFFER, false);
        int[] headLeft = {head.length};
        scanner.run((b, off, len) -> {
            if (headLeft[0] > 0) {
                int n = Math.min(len, headLeft[0]);
                System.arraycopy(head, head.length - headLeft[0], b, off, n);
                headLeft[0] -= n;
                return n;
            }
            return body.read(b, off, len);
        }, Long.MAX_VALUE);
        return summary(name, gzip, p, sink, List.of(scanner));
    }

    /**
     * Reads a plain file from its start, on two threads when it is large enough and there are two cores.
     *
     * @throws LineLengthLimit.OverlongLineException for a line longer than {@code maxLine}
     */
    public static SourceSummary file(String name, LinePrefix p, FileChannel ch, int maxLine, EntrySink sink)
            throws IOException {
        PrefixMatcher matcher = PrefixMatcher.of(p);
        long size = ch.size();
        long split = size >= PARALLEL_MIN && Runtime.getRuntime().availableProcessors() > 1
                ? lineStartAfter(ch, size / 2) : -1;
        StderrScanner first = new StderrScanner(p, matcher, name, sink::lockCandidate, maxLine, SCAN_BUFFER, false);
        if (split <= 0 || split >= size) {
            first.run(from(ch, 0), Long.MAX_VALUE);
            return summary(name, false, p, sink, List.of(first));
        }
        List<LogEntry> later = new ArrayList<>();
        StderrScanner second = new StderrScanner(p, matcher.copy(), name, later::add, maxLine, SCAN_BUFFER, true);
        Throwable[] failure = new Throwable[1];
        Thread t = new Thread(() -> {
            try {
                second.run(from(ch, split), Long.MAX_VALUE);
            } catch (Throwable e) {
                failure[0] = e;
            }
        }, "lockwarden-postmortem-scan");
        t.setDaemon(true);
        t.start();
        try {
            first.run(from(ch, 0), split);
        } finally {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while reading " + name);
            }
        }
        if (failure[0] instanceof LineLengthLimit.OverlongLineException o) {
            throw new LineLengthLimit.OverlongLineException(first.lines() + o.line(), maxLine);
        } else if (failure[0] instanceof IOException io) {
            throw io;
        } else if (failure[0] instanceof RuntimeException re) {
            throw re;
        } else if (failure[0] != null) {
            throw new IllegalStateException("reading " + name + " failed", failure[0]);
        }
        if (first.entries() == 0) {
            // No entry opened in the first half: its lines (and the second half's first ones) may be skipped
            // lines, which only a reading from the start can tell.
            StderrScanner whole = new StderrScanner(p, matcher, name, sink::lockCandidate, maxLine, SCAN_BUFFER,
                    false);
            whole.run(from(ch, 0), Long.MAX_VALUE);
            return summary(name, false, p, sink, List.of(whole));
        }
        later.forEach(sink::lockCandidate);
        return summary(name, false, p, sink, List.of(first, second));
    }

    private static SourceSummary summary(String name, boolean gzip, LinePrefix p, EntrySink sink,
                                         List<StderrScanner> parts) {
        long lines = 0;
        long entries = 0;
        long skipped = 0;
        boolean time = false;
        boolean sub = false;
        boolean pid = false;
        boolean db = false;
        List<String> foreign = new ArrayList<>();
        for (StderrScanner s : parts) {
            lines += s.lines();
            entries += s.entries();
            skipped += s.skipped();
            time |= s.sawTime();
            sub |= s.sawSubsecond();
            pid |= s.sawPid();
            db |= s.sawDatabase();
            for (String f : s.foreign()) {
                if (foreign.size() < 5 && !foreign.contains(f)) {
                    foreign.add(f);
                }
            }
        }
        sink.seen(entries, time, sub, pid, db);
        return new SourceSummary(name, LogFormat.STDERR, gzip, p.text(), lines, entries, skipped, foreign);
    }

    private static StderrScanner.ByteInput from(FileChannel ch, long start) {
        long[] pos = {start};
        return (b, off, len) -> {
            int n = ch.read(ByteBuffer.wrap(b, off, len), pos[0]);
            if (n > 0) {
                pos[0] += n;
            }
            return n;
        };
    }

    /** The offset just after the first {@code \n} at or after {@code from}, or -1. */
    private static long lineStartAfter(FileChannel ch, long from) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(1 << 16);
        long pos = from;
        while (true) {
            b.clear();
            int n = ch.read(b, pos);
            if (n <= 0) {
                return -1;
            }
            for (int i = 0; i < n; i++) {
                if (b.get(i) == '\n') {
                    return pos + i + 1;
                }
            }
            pos += n;
        }
    }
}
