package io.lockwarden.testkit.internal;

import io.lockwarden.LockKey;
import io.lockwarden.testkit.LockCheckScope;

/** Gives keys read from {@code pg_locks} their names when the scope knows them. Stateless. */
public final class KeyLabels {
    private KeyLabels() {
    }

    /** The known named key equal to this one (carrying namespace and name), else the key unchanged. */
    public static LockKey resolve(LockKey key, LockCheckScope scope) {
        for (LockKey known : scope.knownKeys()) {
            if (known.equals(key) && known.name().isPresent()) {
                return known;
            }
        }
        return key;
    }

    /**
     * A label for the key: {@code namespace/name} for a known named key, {@code namespace/#int} when
     * only its namespace is known (the name is a hash and cannot be recovered), else {@link LockKey#label()}.
     */
    public static String label(LockKey key, LockCheckScope scope) {
        if (key.name().isPresent()) {
            return key.label();
        }
        if (key.form() == LockKey.Form.PAIR) {
            for (String ns : scope.namespaces()) {
                if (LockKey.hash(ns) == key.key1()) {
                    return ns + "/#" + key.key2();
                }
            }
        }
        return key.label();
    }
}
