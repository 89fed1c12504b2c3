package io.lockwarden.inspect;

/**
 * What the role that took the snapshot may see and do.
 *
 * @param role             the reading role ({@code current_user})
 * @param readerPid        backend pid of the reading session itself
 * @param seesAllSessions  true for superusers and members of {@code pg_read_all_stats} (e.g. via
 *                         {@code pg_monitor}): every session's details are visible
 * @param canSignalBackends true for superusers and members of {@code pg_signal_backend}: may terminate
 *                         other roles' (non-superuser) sessions
 */
public record Visibility(String role, int readerPid, boolean seesAllSessions, boolean canSignalBackends) {
}
