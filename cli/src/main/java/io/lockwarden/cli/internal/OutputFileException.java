package io.lockwarden.cli.internal;

import io.lockwarden.cli.CliException;

/**
 * A file a command was asked to write cannot be written (a directory, a missing or read-only directory, a
 * refused open). The message names the path, the reason and what to do; {@code Main} prints it as one line and
 * exits 2.
 */
public final class OutputFileException extends CliException {
    private static final long serialVersionUID = 1L;

    /** A failure with the message to show: the path, what is wrong and how to fix it. */
    public OutputFileException(String message) {
        super(message);
    }

    /** A failure with the message to show and its cause (shown only with {@code --verbose}). */
    public OutputFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
