package io.lockwarden.inspect;

import io.lockwarden.LockKey;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What a {@link Terminator} is allowed to end: one backend as it was seen in a {@link Snapshot}. At the
 * moment of termination the server must still show the same backend ({@code pid} and
 * {@code backend_start}), still holding every planned key, still without uncommitted writes other than
 * those the plan accepted, and not running a query unless the plan allows it; otherwise the session is
 * skipped and the outcome says what changed.
 *
 * @param pid          the backend pid
 * @param backendStart the backend's {@code backend_start} in the snapshot: with {@code pid} it identifies the
 *                     backend (a pid can be reused by a new session)
 * @param heldKeys     the advisory lock keys it held in the snapshot, all of which it must still hold
 * @param acceptedXid  the {@code backend_xid} whose uncommitted writes the caller accepted to lose
 *                     ({@code --force} after seeing them), or {@code null}: then any uncommitted write skips it
 * @param allowActive  true when a running query may be cancelled ({@code --force}); false skips an active session
 */
public record TerminationPlan(int pid, Instant backendStart, List<LockKey> heldKeys, String acceptedXid,
                              boolean allowActive) {

    /** Copies the keys. @throws NullPointerException when backendStart or heldKeys is null */
    public TerminationPlan {
        Objects.requireNonNull(backendStart, "backendStart (the backend's identity)");
        heldKeys = List.copyOf(heldKeys);
    }

    /**
     * The plan for a session of a snapshot. Without {@code force} nothing risky is accepted; with it, the
     * uncommitted writes shown in the snapshot (its {@code backend_xid}) and a running query are, but not a
     * transaction that starts writing later.
     *
     * @throws IllegalArgumentException when the snapshot has no session for {@code pid}, or its
     *         {@code backend_start} is hidden from the reading role (then its identity cannot be checked:
     *         grant {@code pg_read_all_stats} or {@code pg_monitor})
     */
    public static TerminationPlan of(Snapshot snapshot, int pid, boolean force) {
        SessionInfo s = snapshot.session(pid).orElseThrow(() -> new IllegalArgumentException(
                "pid " + pid + " has no session in the snapshot: it may have ended; take a new snapshot"));
        if (s.backendStart() == null) {
            throw new IllegalArgumentException("the backend_start of pid " + pid + " is hidden from role '"
                    + snapshot.visibility().role() + "', so its identity cannot be rechecked at termination: "
                    + "GRANT pg_monitor TO " + snapshot.visibility().role());
        }
        List<LockKey> keys = snapshot.heldBy(pid).stream().map(AdvisoryLockRow::key).distinct().sorted().toList();
        return new TerminationPlan(pid, s.backendStart(), keys, force ? s.backendXid() : null, force);
    }
}
