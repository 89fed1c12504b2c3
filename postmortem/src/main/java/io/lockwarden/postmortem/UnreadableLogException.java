package io.lockwarden.postmortem;

/**
 * A log source that cannot be read at all: missing, unreadable, or not a PostgreSQL server log. The message
 * names the source and says what to do (the CLI prints it as one line and exits 2). Lines that are merely
 * truncated or garbled never raise this; they are counted in {@link SourceSummary#skippedLines()}.
 */
public class UnreadableLogException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** A source that cannot be read, with the message to show. */
    public UnreadableLogException(String message) {
        super(message);
    }

    /** A source that cannot be read, with the message to show and the I/O cause. */
    public UnreadableLogException(String message, Throwable cause) {
        super(message, cause);
    }
}
