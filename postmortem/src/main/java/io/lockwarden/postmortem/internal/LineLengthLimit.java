package io.lockwarden.postmortem.internal;

import java.io.FilterReader;
import java.io.IOException;
import java.io.Reader;

/**
 * A reader that fails with {@link OverlongLineException} as soon as one line (characters between {@code \n} or
 * {@code \r}) grows past a limit, so that whatever reads lines on top of it (a {@code BufferedReader}, Jackson's
 * CSV parser) never holds more than the limit in memory. Not thread-safe.
 */
public final class LineLengthLimit extends FilterReader {
    private final long limit;
    private long run;
    private long line = 1;

    /** Wraps {@code in}, allowing lines of at most {@code limit} characters. */
    public LineLengthLimit(Reader in, long limit) {
        super(in);
        this.limit = limit;
    }

    @Override
    public int read() throws IOException {
        int c = super.read();
        if (c >= 0) {
            count((char) c);
        }
        return c;
    }

    @Override
    public int read(char[] buf, int off, int len) throws IOException {
        int n = super.read(buf, off, len);
        for (int i = off; i < off + n; i++) {
            count(buf[i]);
        }
        return n;
    }

    private void count(char c) throws OverlongLineException {
        if (c == '\n' || c == '\r') {
            if (c == '\n') {
                line++;
            }
            run = 0;
        } else if (++run > limit) {
            throw new OverlongLineException(line, limit);
        }
    }

    /** A line longer than the limit; {@link #line()} says which (1-based). */
    public static final class OverlongLineException extends IOException {
        private static final long serialVersionUID = 1L;
        private final long line;

        /** Line {@code line} passed {@code limit} characters (or bytes). */
        public OverlongLineException(long line, long limit) {
            super("line " + line + " is longer than " + limit + " characters");
            this.line = line;
        }

        /** The 1-based number of the overlong line. */
        public long line() {
            return line;
        }
    }
}
