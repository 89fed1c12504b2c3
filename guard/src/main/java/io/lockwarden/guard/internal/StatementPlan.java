package io.lockwarden.guard.internal;

import java.util.List;

/**
 * What a statement's text does to advisory locks, worked out once per text.
 *
 * @param calls      the advisory function calls, in text order
 * @param unfollowed       whether the text mentions advisory locks somewhere the guard cannot follow (inside
 *                         a string or function body, or in a name it does not know): the connection's locks
 *                         are then checked in {@code pg_locks} when it is returned
 * @param takesSessionLock whether any call may take a session-level lock
 * @param usesParameters   whether reading a key needs the bound parameters
 */
public record StatementPlan(List<AdvisoryCall> calls, boolean unfollowed, boolean takesSessionLock,
                            boolean usesParameters) {
    /** The plan of a statement that does not mention advisory locks: nothing to follow. */
    public static final StatementPlan NONE = new StatementPlan(List.of(), false, false, false);

    /** A plan of these calls, with the flags worked out once. */
    static StatementPlan of(List<AdvisoryCall> calls, boolean unfollowed) {
        return new StatementPlan(List.copyOf(calls), unfollowed,
                calls.stream().anyMatch(c -> c.function().takesSessionLock()),
                calls.stream().anyMatch(AdvisoryCall::usesParameters));
    }

    /** Whether the guard has anything to do for this statement: a call to follow, or a mention to settle. */
    public boolean relevant() {
        return unfollowed || !calls.isEmpty();
    }
}
