package io.lockwarden.inspect;

import io.lockwarden.LockKey;
import java.time.Duration;
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
 * @param minIdle      optional: the session must be {@code idle} (no transaction) since at least this long
 *                     ({@code now() - state_change}), or {@code null} for no such condition ({@code release})
 * @param fence        optional: the termination happens only while this other backend still holds this advisory
 *                     key (e.g. the watchdog's leader lock, so a replica that lost leadership ends nothing), or
 *                     {@code null} for none
 */
public record TerminationPlan(int pid, Instant backendStart, List<LockKey> heldKeys, String acceptedXid,
                              boolean allowActive, Duration minIdle, Fence fence) {

    /**
     * A condition on another backend: {@code pid} still holds the granted advisory lock {@code key}.
     *
     * @param pid the backend that must hold the key
     * @param key the advisory key it must hold
     */
    public record Fence(int pid, LockKey key) {
        /** @throws NullPointerException when key is null */
        public Fence {
            Objects.requireNonNull(key, "key");
        }
    }

    /**
     * Copies the keys.
     *
     * @throws NullPointerException     when backendStart or heldKeys is null
     * @throws IllegalArgumentException when minIdle is negative
     */
    public TerminationPlan {
        Objects.requireNonNull(backendStart, "backendStart (the backend's identity)");
        heldKeys = List.copyOf(heldKeys);
        if (minIdle != null && minIdle.isNegative()) {
            throw new IllegalArgumentException("the minimum idle time of pid " + pid + " must not be negative, got "
                    + minIdle);
        }
    }

    /** A plan without the optional idle and fence conditions (what {@code release} uses). */
    public TerminationPlan(int pid, Instant backendStart, List<LockKey> heldKeys, String acceptedXid,
                           boolean allowActive) {
        this(pid, backendStart, heldKeys, acceptedXid, allowActive, null, null);
    }

    /** This plan, also requiring the session to be {@code idle} (no transaction) for at least {@code d}. */
    public TerminationPlan withMinIdle(Duration d) {
        return new TerminationPlan(pid, backendStart, heldKeys, acceptedXid, allowActive, d, fence);
    }

    /** This plan, also requiring backend {@code fencePid} to still hold the advisory lock {@code key}. */
    public TerminationPlan withFence(int fencePid, LockKey key) {
        return new TerminationPlan(pid, backendStart, heldKeys, acceptedXid, allowActive, minIdle,
                new Fence(fencePid, key));
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
