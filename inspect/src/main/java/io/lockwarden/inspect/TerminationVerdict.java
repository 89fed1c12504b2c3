package io.lockwarden.inspect;

/**
 * Whether ending a session with {@code pg_terminate_backend} is safe: it releases all its locks and
 * rolls back its open transaction.
 *
 * @param pid  the session
 * @param safe true when terminating loses nothing but the locks and an idle connection
 * @param risk why it is unsafe (uncommitted writes, running query, not a client backend, the
 *             inspecting session itself, details hidden), or {@code null} when safe
 */
public record TerminationVerdict(int pid, boolean safe, String risk) {

    /** The verdict for a session seen in a snapshot taken by the backend {@code readerPid}. Never fails. */
    public static TerminationVerdict of(SessionInfo s, int readerPid) {
        if (s.pid() == readerPid) {
            return unsafe(s.pid(), "is this inspecting session itself");
        }
        if (!s.detailsVisible()) {
            return unsafe(s.pid(), "has its details hidden from this role (grant pg_read_all_stats or pg_monitor "
                    + "to see whether it has uncommitted writes)");
        }
        if (s.backendType() != null && !s.clientBackend()) {
            return unsafe(s.pid(), "is not a client backend (" + s.backendType() + ")");
        }
        if (s.hasUncommittedWrites()) {
            return unsafe(s.pid(), "has uncommitted writes (backend_xid " + s.backendXid()
                    + ") that termination would roll back");
        }
        if (s.active()) {
            return unsafe(s.pid(), "is running a query now");
        }
        return new TerminationVerdict(s.pid(), true, null);
    }

    /** The verdict for a pid without any session row (it ended, or it was never visible). */
    public static TerminationVerdict unknown(int pid) {
        return unsafe(pid, "has no session in pg_stat_activity (it may have ended already)");
    }

    private static TerminationVerdict unsafe(int pid, String reason) {
        return new TerminationVerdict(pid, false, reason);
    }
}
