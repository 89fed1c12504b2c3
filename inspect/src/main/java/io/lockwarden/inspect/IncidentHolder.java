package io.lockwarden.inspect;

import io.lockwarden.LockKey;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One session of an {@link Incident}: who it is, what it holds, what it blocks, and whether ending it is safe.
 *
 * @param pid             backend pid
 * @param applicationName {@code application_name}, or null
 * @param user            role, or null when hidden
 * @param clientAddr      client address, or null (Unix socket or hidden)
 * @param state           {@code pg_stat_activity.state}, or null when hidden
 * @param inState         how long it has been in that state (zero when unknown): for an idle holder, at least
 *                        how long the lock has been stuck
 * @param lockCount       advisory locks it holds
 * @param keys            the distinct keys it holds, sorted
 * @param keysText        the keys compacted for people, e.g. {@code 1001-1005, 2001, (3,4)}
 * @param blocking        sessions waiting behind it, directly or through a chain
 * @param pgBouncerPool   for a PgBouncer server connection: {@code database/user (pool mode)}; else null
 * @param verdict         whether terminating it is safe, judged from the snapshot (and rechecked by
 *                        {@link Terminator} at termination)
 * @param instead         for an unsafe holder: what to do instead of terminating it; null when safe
 * @param causes          the root-cause evidence for this session
 * @param database        the database the session is connected to (its advisory locks live there), or null
 */
public record IncidentHolder(int pid, String applicationName, String user, String clientAddr, String state,
                             Duration inState, int lockCount, List<LockKey> keys, String keysText, int blocking,
                             String pgBouncerPool, TerminationVerdict verdict, String instead,
                             List<Incident.Cause> causes, String database) {

    /** Copies the lists. */
    public IncidentHolder {
        Objects.requireNonNull(inState, "inState");
        Objects.requireNonNull(verdict, "verdict");
        keys = List.copyOf(keys);
        causes = List.copyOf(causes);
    }

    /** The shape before the database was recorded (database unknown). */
    public IncidentHolder(int pid, String applicationName, String user, String clientAddr, String state,
                          Duration inState, int lockCount, List<LockKey> keys, String keysText, int blocking,
                          String pgBouncerPool, TerminationVerdict verdict, String instead,
                          List<Incident.Cause> causes) {
        this(pid, applicationName, user, clientAddr, state, inState, lockCount, keys, keysText, blocking,
                pgBouncerPool, verdict, instead, causes, null);
    }
}
