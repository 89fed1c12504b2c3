package io.lockwarden.inspect;

import io.lockwarden.LockKey;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns raw keys (as {@code pg_locks} or a server log shows them) into named ones: a pair key whose first int
 * is the hash of a known namespace gets that namespace; a key equal to a registered named key gets its name.
 * What {@code diagnose}, {@code watch} and {@code postmortem} use for their {@code --namespace} and known
 * keys. Never fails; immutable, thread-safe.
 */
public final class KeyDecoder {
    private final Map<Integer, String> namespaces = new HashMap<>();
    private final Map<LockKey, LockKey> known = new HashMap<>();

    /** A decoder for the given namespaces and fully named keys. */
    public KeyDecoder(List<String> namespaces, List<LockKey> knownKeys) {
        for (String ns : namespaces) {
            this.namespaces.put(LockKey.hash(ns), ns);
        }
        for (LockKey k : knownKeys) {
            known.put(k, k);
            k.namespace().ifPresent(ns -> this.namespaces.putIfAbsent(LockKey.hash(ns), ns));
        }
    }

    /** The registered named key equal to {@code key}, else {@code key} itself. */
    public LockKey name(LockKey key) {
        if (known.isEmpty()) {
            return key;
        }
        return known.getOrDefault(key, key);
    }

    /** The known namespace of a pair key, or null. */
    public String namespaceOf(LockKey key) {
        return key.form() == LockKey.Form.PAIR ? namespaces.get(key.key1()) : null;
    }
}
