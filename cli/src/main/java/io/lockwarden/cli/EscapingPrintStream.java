package io.lockwarden.cli;

import io.lockwarden.inspect.ControlCharacters;
import java.io.PrintStream;

/**
 * A print stream whose {@link #println(String)} and {@link #print(String)} escape control characters (see
 * {@link ControlCharacters}) before writing to the terminal: for output whose every line may quote text from
 * the database. Line ends added by {@code println} itself are kept. Not thread-safe beyond what
 * {@link PrintStream} guarantees.
 */
final class EscapingPrintStream extends PrintStream {
    private final PrintStream target;

    /** Writes escaped lines to {@code target}. */
    EscapingPrintStream(PrintStream target) {
        super(target, true);
        this.target = target;
    }

    @Override
    public void println(String line) {
        target.println(ControlCharacters.escape(line));
    }

    @Override
    public void println(Object line) {
        println(String.valueOf(line));
    }

    @Override
    public void print(String text) {
        target.print(ControlCharacters.escape(text));
    }

    @Override
    public void flush() {
        target.flush();
    }
}
