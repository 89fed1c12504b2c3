package io.lockwarden.inspect;

import io.lockwarden.LockKey;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Compacts a list of keys for people: runs of consecutive one-bigint keys become {@code 1001-1005}, runs of
 * pair keys with the same first int {@code (3,4-6)}; other keys keep their label. Stateless; thread-safe.
 */
public final class KeyRanges {
    private KeyRanges() {
    }

    /**
     * The compact text of {@code keys} (sorted and de-duplicated here), at most {@code maxParts} parts, then
     * {@code … (N keys)}.
     *
     * @param label how to show a single key (named keys keep their names)
     */
    public static String compact(List<LockKey> keys, Function<LockKey, String> label, int maxParts) {
        List<LockKey> sorted = sortedAndDistinct(keys) ? keys : keys.stream().distinct().sorted().toList();
        List<String> parts = new ArrayList<>();
        int i = 0;
        // One part past maxParts is enough to know the text is cut: at 100,000 keys the rest is never shown.
        while (i < sorted.size() && parts.size() <= maxParts) {
            LockKey first = sorted.get(i);
            int j = i;
            while (j + 1 < sorted.size() && follows(sorted.get(j), sorted.get(j + 1))) {
                j++;
            }
            LockKey last = sorted.get(j);
            if (j == i) {
                parts.add(label.apply(first));
            } else if (first.form() == LockKey.Form.BIGINT) {
                parts.add(first.bigint() + "-" + last.bigint());
            } else {
                parts.add("(" + first.key1() + "," + first.key2() + "-" + last.key2() + ")");
            }
            i = j + 1;
        }
        if (parts.size() <= maxParts) {
            return String.join(", ", parts);
        }
        return String.join(", ", parts.subList(0, maxParts)) + ", … (" + sorted.size() + " keys)";
    }

    private static boolean sortedAndDistinct(List<LockKey> keys) {
        LockKey previous = null;
        for (LockKey k : keys) {
            if (previous != null && previous.compareTo(k) >= 0) {
                return false;
            }
            previous = k;
        }
        return true;
    }

    private static boolean follows(LockKey a, LockKey b) {
        if (a.name().isPresent() || b.name().isPresent() || a.form() != b.form()) {
            return false;
        }
        if (a.form() == LockKey.Form.BIGINT) {
            return a.bigint() != Long.MAX_VALUE && b.bigint() == a.bigint() + 1;
        }
        return a.key1() == b.key1() && a.key2() != Integer.MAX_VALUE && b.key2() == a.key2() + 1;
    }
}
