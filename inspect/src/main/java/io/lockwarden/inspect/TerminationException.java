package io.lockwarden.inspect;

import java.util.List;

/**
 * {@link Terminator#terminate} lost its connection (or a statement failed) part-way. {@link #completed()}
 * says what was done before, so nothing is reported as terminated that was not, and nothing is retried blind.
 */
public class TerminationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient List<TerminationOutcome> completed;

    /** Creates the exception; the message names what failed and the next step. */
    public TerminationException(String message, Throwable cause, List<TerminationOutcome> completed) {
        super(message, cause);
        this.completed = List.copyOf(completed);
    }

    /** The outcomes of the plans handled before the failure, in order. */
    public List<TerminationOutcome> completed() {
        return completed;
    }
}
