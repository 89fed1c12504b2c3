package io.lockwarden.guard.internal;

import io.lockwarden.LockKey;
import java.util.List;
import java.util.Map;

/**
 * One advisory lock function call found in a statement's text.
 *
 * @param function  which function
 * @param arguments its key arguments (one: bigint form; two: int4 pair form; none: unlock_all)
 * @param certain   whether executing the statement without error means the call ran exactly once: a whole
 *                  select item of a {@code SELECT} without {@code FROM}/{@code WHERE}/..., or a JDBC
 *                  {@code {call ...}} escape
 * @param segment   the 0-based statement within a string of several statements
 * @param column    the 1-based result column holding the call's value, or 0 when it is not a whole column
 * @param outParam  whether the value is the CallableStatement's out parameter 1 ({@code {? = call ...}})
 */
public record AdvisoryCall(AdvisoryFunction function, List<KeyArgument> arguments, boolean certain, int segment,
                           int column, boolean outParam) {

    /** The key with bound parameters read from {@code bound}; null when it cannot be known. */
    LockKey key(Map<Integer, Object> bound) {
        if (arguments.size() == 1) {
            Long k = arguments.get(0).value(bound);
            return k == null ? null : LockKey.of(k);
        }
        if (arguments.size() == 2) {
            Long a = arguments.get(0).value(bound);
            Long b = arguments.get(1).value(bound);
            if (a == null || b == null || a != a.intValue() || b != b.intValue()) {
                return null;
            }
            return LockKey.of(a.intValue(), b.intValue());
        }
        return null;
    }

    /** Whether any argument is a bound parameter. */
    boolean usesParameters() {
        return arguments.stream().anyMatch(a -> a.parameter() > 0);
    }
}
