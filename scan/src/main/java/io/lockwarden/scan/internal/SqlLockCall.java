package io.lockwarden.scan.internal;

import java.util.List;

/**
 * One call of an advisory lock function found in SQL text.
 *
 * @param function the function
 * @param args     the arguments, trimmed, lower-cased, casts and whitespace removed
 * @param offset   offset of the function name in the SQL text
 */
public record SqlLockCall(LockFunction function, List<String> args, int offset) {

    /** True when every argument is a placeholder ({@code ?}, {@code $1}, {@code %s}, {@code :name}). */
    public boolean isPlaceholder(int i) {
        return i < args.size() && SqlText.isPlaceholder(args.get(i));
    }

    /** The key as written, arguments joined by comma. */
    public String keyText() {
        return String.join(",", args);
    }
}
