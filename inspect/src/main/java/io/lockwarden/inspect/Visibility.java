package io.lockwarden.inspect;

import java.util.Objects;
import java.util.Set;

/**
 * What the role that took the snapshot may see and do, and where it is connected.
 *
 * @param role              the reading role ({@code current_user})
 * @param readerPid         backend pid of the reading session itself
 * @param seesAllSessions   true for superusers and members of {@code pg_read_all_stats} (e.g. via
 *                          {@code pg_monitor}): every session's details are visible
 * @param canSignalBackends true for superusers and members of {@code pg_signal_backend}: may terminate
 *                          other roles' (non-superuser) sessions
 * @param superuser         true when the reading role is a superuser
 * @param database          the database the reading session is connected to ({@code current_database()}), or
 *                          null when unknown
 * @param superuserRoles    the roles that are superusers (only a superuser may end their sessions)
 */
public record Visibility(String role, int readerPid, boolean seesAllSessions, boolean canSignalBackends,
                         boolean superuser, String database, Set<String> superuserRoles) {

    /** Copies the set. */
    public Visibility {
        superuserRoles = Set.copyOf(Objects.requireNonNull(superuserRoles, "superuserRoles"));
    }

    /** The shape before the database and superusers were read: not a superuser, database and superusers unknown. */
    public Visibility(String role, int readerPid, boolean seesAllSessions, boolean canSignalBackends) {
        this(role, readerPid, seesAllSessions, canSignalBackends, false, null, Set.of());
    }

    /**
     * What this role lacks to terminate a session of {@code owner} with {@code pg_terminate_backend}, or null when
     * it may: a superuser may end any session; others may end their own role's sessions, and with
     * {@code pg_signal_backend} any non-superuser's. Membership in the owner's role other than being it is not
     * checked (it is rare; the server decides at termination and a refusal is reported then).
     *
     * @param owner the session's role, or null when hidden
     * @return {@code "superuser"}, {@code "pg_signal_backend"}, or null
     */
    public String missingToTerminate(String owner) {
        if (superuser) {
            return null;
        }
        if (owner != null && superuserRoles.contains(owner)) {
            return "superuser";
        }
        if (owner != null && owner.equals(role)) {
            return null;
        }
        return canSignalBackends ? null : "pg_signal_backend";
    }
}
