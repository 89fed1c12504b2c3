package io.lockwarden.inspect;

import io.lockwarden.LockKey;
import java.util.List;

/**
 * Recognises Lockwarden's own sessions among the holders (the watchdog's leader lock, for example), so that no
 * tool reports them as leaks or ends them: a session is Lockwarden's own when its {@code application_name}
 * starts with {@code lockwarden} and every advisory lock it holds is in the {@code lockwarden} key namespace
 * ({@code LockKey.named("lockwarden", ...)}). Both are required, so an application that merely calls itself
 * "lockwarden-..." is still diagnosed. Stateless; thread-safe.
 */
public final class LockwardenSessions {
    /** The key namespace Lockwarden's own locks use. */
    public static final String NAMESPACE = "lockwarden";
    /** The prefix of every {@code application_name} Lockwarden sets. */
    public static final String APPLICATION_PREFIX = "lockwarden";

    private static final int NAMESPACE_HASH = LockKey.hash(NAMESPACE);

    private LockwardenSessions() {
    }

    /** True when {@code key} is in Lockwarden's own namespace (a two-int key whose first part is its hash). */
    public static boolean ownKey(LockKey key) {
        return key.form() == LockKey.Form.PAIR && key.key1() == NAMESPACE_HASH;
    }

    /**
     * True when the session is Lockwarden's own: its application name starts with {@code lockwarden} and it holds
     * at least one lock, all of them in the {@code lockwarden} namespace.
     *
     * @param session the session, or null (then false)
     * @param held    the locks it holds (granted rows)
     */
    public static boolean own(SessionInfo session, List<AdvisoryLockRow> held) {
        return session != null && session.applicationName() != null
                && session.applicationName().startsWith(APPLICATION_PREFIX) && !held.isEmpty()
                && held.stream().allMatch(r -> ownKey(r.key()));
    }

    /** True when the snapshot's session {@code pid} is Lockwarden's own (see {@link #own(SessionInfo, List)}). */
    public static boolean own(Snapshot snapshot, int pid) {
        return own(snapshot.session(pid).orElse(null), snapshot.heldBy(pid));
    }
}
