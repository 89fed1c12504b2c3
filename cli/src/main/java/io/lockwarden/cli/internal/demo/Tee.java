package io.lockwarden.cli.internal.demo;

import java.io.IOException;
import java.io.OutputStream;

/** Writes to two streams: what a command prints is shown and kept for the demo's checks. Not thread-safe. */
final class Tee extends OutputStream {
    private final OutputStream shown;
    private final OutputStream kept;

    Tee(OutputStream shown, OutputStream kept) {
        this.shown = shown;
        this.kept = kept;
    }

    @Override
    public void write(int b) throws IOException {
        shown.write(b);
        kept.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        shown.write(b, off, len);
        kept.write(b, off, len);
    }

    @Override
    public void flush() throws IOException {
        shown.flush();
        kept.flush();
    }
}
