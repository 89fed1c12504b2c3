package io.lockwarden.guard.internal;

import java.util.Map;

/**
 * One argument of an advisory lock function call as written in the SQL text: an integer literal, a bound
 * {@code ?} parameter (by its 1-based index), or an expression the guard cannot evaluate.
 *
 * @param literal   the literal's value (when {@code parameter == 0} and {@code known})
 * @param parameter the 1-based JDBC parameter index, or 0
 * @param known     false for an expression the guard cannot evaluate
 */
public record KeyArgument(long literal, int parameter, boolean known) {
    /** An expression the guard cannot evaluate. */
    static final KeyArgument UNKNOWN = new KeyArgument(0, 0, false);

    static KeyArgument literal(long value) {
        return new KeyArgument(value, 0, true);
    }

    static KeyArgument parameter(int index) {
        return new KeyArgument(0, index, true);
    }

    /** The value, reading a bound parameter from {@code bound}; null when it cannot be known. */
    Long value(Map<Integer, Object> bound) {
        if (!known) {
            return null;
        }
        if (parameter == 0) {
            return literal;
        }
        Object v = bound == null ? null : bound.get(parameter);
        if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        if (v instanceof java.math.BigDecimal || v instanceof java.math.BigInteger || v instanceof String) {
            try {
                return new java.math.BigDecimal(v.toString().strip()).longValueExact();
            } catch (ArithmeticException | NumberFormatException e) {
                return null;
            }
        }
        return null;
    }
}
