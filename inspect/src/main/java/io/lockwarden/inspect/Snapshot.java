package io.lockwarden.inspect;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One read of a server's advisory lock state, taken by {@link Inspector#snapshot()}: every advisory
 * lock row of {@code pg_locks} (granted and waiting), the sessions behind them from
 * {@code pg_stat_activity} with their blockers, the relevant settings, and optionally PgBouncer's
 * view and {@code pg_stat_statements}. Locks and sessions come from one SQL statement.
 *
 * <p>Immutable and thread-safe. Lookup methods scan the lists (O(number of locks)); callers that look
 * up many pids should use {@link #locksByPid()} once.
 *
 * @param takenAt          the server's {@code statement_timestamp()} of the read
 * @param serverVersion    {@code server_version}, e.g. {@code 18.1}
 * @param serverVersionNum {@code server_version_num}, e.g. {@code 180001}
 * @param settings         the lock-related settings
 * @param visibility       what the reading role may see and do
 * @param locks            advisory lock rows, in {@code pg_locks} order
 * @param sessions         one entry per pid appearing in {@code locks} that still had a session
 * @param lockTableEntries rows of {@code pg_locks} (all lock types) that occupy the shared lock table
 *                         (that is, not fast-path)
 * @param pgBouncer        PgBouncer's console view, when a console was configured
 * @param statements       {@code pg_stat_statements} entries calling advisory lock functions, when the
 *                         extension is installed and readable
 * @param prepared         prepared transactions holding advisory locks (their rows are not in {@code locks}:
 *                         they have no session)
 */
public record Snapshot(Instant takenAt, String serverVersion, int serverVersionNum, ServerSettings settings,
                       Visibility visibility, List<AdvisoryLockRow> locks, List<SessionInfo> sessions,
                       long lockTableEntries, Optional<PgBouncerView> pgBouncer,
                       Optional<List<StatementStat>> statements, List<PreparedTransaction> prepared) {

    /** Copies the lists. @throws NullPointerException when a component is null */
    public Snapshot {
        Objects.requireNonNull(takenAt, "takenAt");
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(visibility, "visibility");
        locks = List.copyOf(locks);
        sessions = List.copyOf(sessions);
        Objects.requireNonNull(pgBouncer, "pgBouncer");
        statements = statements.map(List::copyOf);
        prepared = List.copyOf(prepared);
    }

    /** A snapshot without prepared transactions (the shape before they were read). */
    public Snapshot(Instant takenAt, String serverVersion, int serverVersionNum, ServerSettings settings,
                    Visibility visibility, List<AdvisoryLockRow> locks, List<SessionInfo> sessions,
                    long lockTableEntries, Optional<PgBouncerView> pgBouncer, Optional<List<StatementStat>> statements) {
        this(takenAt, serverVersion, serverVersionNum, settings, visibility, locks, sessions, lockTableEntries,
                pgBouncer, statements, List.of());
    }

    /** The prepared transactions holding a key, in snapshot order. */
    public List<PreparedTransaction> preparedHolding(io.lockwarden.LockKey key) {
        return prepared.stream().filter(p -> p.locks().stream().anyMatch(l -> l.granted() && l.key().equals(key)))
                .toList();
    }

    /** The granted lock rows of one session (empty when it holds none). */
    public List<AdvisoryLockRow> heldBy(int pid) {
        return locks.stream().filter(l -> l.pid() == pid && l.granted()).toList();
    }

    /** All lock rows that are waiting (not granted). */
    public List<AdvisoryLockRow> waiters() {
        return locks.stream().filter(l -> !l.granted()).toList();
    }

    /** All lock rows that are held (granted). */
    public List<AdvisoryLockRow> holders() {
        return locks.stream().filter(AdvisoryLockRow::granted).toList();
    }

    /** Pids holding at least one advisory lock, in first-seen order. */
    public Set<Integer> holderPids() {
        Set<Integer> pids = new LinkedHashSet<>();
        locks.stream().filter(AdvisoryLockRow::granted).forEach(l -> pids.add(l.pid()));
        return pids;
    }

    /** Pids waiting for an advisory lock, in first-seen order. */
    public Set<Integer> waiterPids() {
        Set<Integer> pids = new LinkedHashSet<>();
        locks.stream().filter(l -> !l.granted()).forEach(l -> pids.add(l.pid()));
        return pids;
    }

    /** All lock rows grouped by pid (insertion order), computed in one pass. */
    public Map<Integer, List<AdvisoryLockRow>> locksByPid() {
        Map<Integer, List<AdvisoryLockRow>> byPid = new LinkedHashMap<>();
        for (AdvisoryLockRow l : locks) {
            byPid.computeIfAbsent(l.pid(), p -> new ArrayList<>()).add(l);
        }
        return byPid;
    }

    /** The session of a pid, when it appeared in the snapshot. */
    public Optional<SessionInfo> session(int pid) {
        return sessions.stream().filter(s -> s.pid() == pid).findFirst();
    }

    /** Whether terminating {@code pid} is safe, judged from this snapshot. Never fails. */
    public TerminationVerdict terminationVerdict(int pid) {
        if (LockwardenSessions.own(this, pid)) {
            return new TerminationVerdict(pid, false, "is Lockwarden's own session (application_name '"
                    + session(pid).map(SessionInfo::applicationName).orElse("") + "', keys in namespace "
                    + LockwardenSessions.NAMESPACE + "): stop that watchdog instead of ending its session");
        }
        return session(pid).map(s -> TerminationVerdict.of(s, visibility.readerPid()))
                .orElseGet(() -> TerminationVerdict.unknown(pid));
    }
}
