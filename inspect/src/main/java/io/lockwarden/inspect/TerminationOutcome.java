package io.lockwarden.inspect;

import java.util.List;
import java.util.Objects;

/**
 * What {@link Terminator} did with one {@link TerminationPlan}.
 *
 * @param pid     the planned backend pid
 * @param status  what happened
 * @param changes for {@link Status#SKIPPED}: each fact that no longer matched the plan, in plain words
 *                (e.g. {@code "began writing (backend_xid 812)"}); empty otherwise
 * @param detail  for {@link Status#DENIED}: the server's message; for {@link Status#NOT_CONFIRMED}: what to
 *                check; otherwise {@code null}
 */
public record TerminationOutcome(int pid, Status status, List<String> changes, String detail) {

    /** The result of one termination attempt. */
    public enum Status {
        /** It still matched the plan, was signalled, and the server confirmed the backend exited. */
        TERMINATED,
        /** It matched and was signalled, but had not exited when the wait ended; its locks may still be held. */
        NOT_CONFIRMED,
        /** It no longer matched the plan (ended, reused pid, released its lock, began writing, ...): not signalled. */
        SKIPPED,
        /** The server refused the signal (permission): not signalled. */
        DENIED
    }

    /** Copies the list. */
    public TerminationOutcome {
        Objects.requireNonNull(status, "status");
        changes = List.copyOf(changes);
    }

    /** True when the backend is known to be gone because of this termination. */
    public boolean terminated() {
        return status == Status.TERMINATED;
    }
}
