package io.lockwarden.guard.internal;

import java.util.List;

/**
 * What a statement's text does to advisory locks, worked out once per text.
 *
 * @param calls      the advisory function calls, in text order
 * @param unfollowed whether the text mentions "advisory" somewhere the guard cannot follow (inside a
 *                   string or function body, or in a name it does not know): the connection's locks are
 *                   then checked in {@code pg_locks} when it is returned
 */
public record StatementPlan(List<AdvisoryCall> calls, boolean unfollowed) {
    /** The plan of a statement that does not mention advisory locks: nothing to follow. */
    public static final StatementPlan NONE = new StatementPlan(List.of(), false);

    /** Whether the guard has anything to do for this statement. */
    public boolean relevant() {
        return this != NONE;
    }

    /** Whether reading the key needs the bound parameters. */
    public boolean usesParameters() {
        return calls.stream().anyMatch(AdvisoryCall::usesParameters);
    }

    /** Whether any call may take a session-level lock. */
    public boolean takesSessionLock() {
        return calls.stream().anyMatch(c -> c.function().takesSessionLock());
    }
}
