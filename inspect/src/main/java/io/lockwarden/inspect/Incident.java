package io.lockwarden.inspect;

import java.util.List;
import java.util.Objects;

/**
 * Findings that share a root cause and a remedy, as one thing to act on: "10 PgBouncer server connections
 * hold 47 session-level advisory locks outside any transaction; 3 sessions wait behind them", with every
 * holder, the waiters, the evidence and one command for all of it. {@link Diagnosis#incidents()} returns
 * them worst first; every consumer (the CLI's text and JSON reports, the watchdog) uses this grouping.
 *
 * <p>Grouping: each session that holds advisory locks, is not itself waiting, and is named by a finding (or
 * is the root blocker of waiters) gets a {@link Kind} from what the server shows (a PgBouncer server
 * connection in transaction pooling, idle, idle in transaction, running, hidden); holders of the same kind
 * and the same verdict (safe to end or not) form one incident. Each prepared transaction holding locks is
 * its own incident. Waiters join the incident of their root blocker.
 *
 * @param kind       the shared root cause
 * @param severity   the worst severity of its findings
 * @param summary    one line: how many holders hold how many locks, in what state, and who waits
 * @param holders    the sessions, ordered by impact: most sessions blocked behind it, then longest in state
 * @param prepared   for {@link Kind#PREPARED_TRANSACTION}: the transaction; empty otherwise
 * @param waiterPids the sessions waiting behind these holders
 * @param lockCount  advisory locks the holders hold (rows of {@code pg_locks})
 * @param causes     the root-cause evidence over all holders, each with how sure it is and for how many
 * @param remedy     the one action that ends the incident for every holder it is safe for
 * @param findings   the findings grouped here (also in {@link Diagnosis#findings()})
 */
public record Incident(Kind kind, Severity severity, String summary, List<IncidentHolder> holders,
                       List<PreparedTransaction> prepared, List<Integer> waiterPids, int lockCount,
                       List<Cause> causes, Remedy remedy, List<Finding> findings) {

    /** Copies the lists. @throws NullPointerException when kind, severity, summary or remedy is null */
    public Incident {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(summary, "summary");
        Objects.requireNonNull(remedy, "remedy");
        holders = List.copyOf(holders);
        prepared = List.copyOf(prepared);
        waiterPids = List.copyOf(waiterPids);
        causes = List.copyOf(causes);
        findings = List.copyOf(findings);
    }

    /**
     * The database this incident is in (sessions are grouped into incidents per database, since advisory locks are
     * per database and a remedy runs connected to one), or null when unknown.
     */
    public String database() {
        for (IncidentHolder h : holders) {
            if (h.database() != null) {
                return h.database();
            }
        }
        return prepared.isEmpty() ? null : prepared.get(0).database();
    }

    /** The holders the remedy ends (safe to end), in report order. */
    public List<IncidentHolder> safeHolders() {
        return holders.stream().filter(h -> h.verdict().safe()).toList();
    }

    /** The holders that must not be ended blindly, each with why and what to do instead. */
    public List<IncidentHolder> unsafeHolders() {
        return holders.stream().filter(h -> !h.verdict().safe()).toList();
    }

    /** The shared root cause of an incident; {@link #id()} is stable (JSON {@code kind}). */
    public enum Kind {
        /** PgBouncer server connections in transaction/statement pooling holding session locks between clients. */
        POOLED_SESSION_LOCKS("pooled-session-locks"),
        /** Idle sessions (no transaction) holding session-level locks: leaked. */
        IDLE_SESSION_LOCKS("idle-session-locks"),
        /** Sessions idle in an open transaction holding locks. */
        IDLE_IN_TRANSACTION("idle-in-transaction"),
        /** A prepared transaction holding locks with no session. */
        PREPARED_TRANSACTION("prepared-transaction"),
        /** Sessions running a query while others wait for their locks. */
        RUNNING_HOLDER("running-holder"),
        /** Holders whose state this role may not see. */
        HIDDEN_HOLDER("hidden-holder");

        private final String id;

        Kind(String id) {
            this.id = id;
        }

        /** The stable id, e.g. {@code pooled-session-locks}. */
        public String id() {
            return id;
        }
    }

    /**
     * One conclusion about why the locks are stuck.
     *
     * @param code       stable id, e.g. {@code rolled-back}, {@code pgbouncer-transaction-pooling}
     * @param text       the conclusion in plain words
     * @param confidence how sure it is
     * @param holders    how many of the incident's holders it applies to
     */
    public record Cause(String code, String text, Confidence confidence, int holders) {
    }

    /** How sure a {@link Cause} is. */
    public enum Confidence {
        /** Read directly from the server (state, PgBouncer's remote_pid, pg_prepared_xacts). */
        CERTAIN,
        /** Inferred from the last statement's text: the lock may have been taken by an earlier statement. */
        LIKELY
    }

    /**
     * The one action for the incident.
     *
     * @param action  {@code release} (terminate the safe holders), {@code finish-prepared} (COMMIT or ROLLBACK
     *                PREPARED), {@code wait} (the holders are working), or {@code none} (no holder is safe to end)
     * @param command the Lockwarden command to run, or {@code null} for {@code wait}/{@code none}
     * @param sql     the equivalent or alternative SQL, or {@code null}
     * @param pids    the sessions the command ends (empty for prepared transactions)
     * @param note    why it is safe, or what to do instead
     */
    public record Remedy(String action, String command, String sql, List<Integer> pids, String note) {
        /** Copies the list. */
        public Remedy {
            Objects.requireNonNull(action, "action");
            pids = List.copyOf(pids);
        }
    }
}
