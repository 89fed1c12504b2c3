package io.lockwarden.inspect.internal;

import io.lockwarden.LockKey;
import io.lockwarden.inspect.AdvisoryLockRow;
import io.lockwarden.inspect.Finding;
import io.lockwarden.inspect.Incident;
import io.lockwarden.inspect.Incident.Cause;
import io.lockwarden.inspect.Incident.Confidence;
import io.lockwarden.inspect.Incident.Kind;
import io.lockwarden.inspect.Incident.Remedy;
import io.lockwarden.inspect.IncidentHolder;
import io.lockwarden.inspect.KeyRanges;
import io.lockwarden.inspect.PgBouncerServer;
import io.lockwarden.inspect.PreparedTransaction;
import io.lockwarden.inspect.SessionInfo;
import io.lockwarden.inspect.Severity;
import io.lockwarden.inspect.Snapshot;
import io.lockwarden.inspect.TerminationVerdict;
import io.lockwarden.inspect.rules.PreparedTransactionHoldsLocksRule;
import io.lockwarden.inspect.rules.RuleContext;
import io.lockwarden.inspect.rules.RuleOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Groups findings into {@link Incident}s (see {@link Incident} for the rules). Stateless; thread-safe.
 */
public final class Incidents {
    /** A ROLLBACK (or ABORT) of the transaction anywhere in a (multi-statement) query string: not TO SAVEPOINT. */
    private static final Pattern ROLLBACK = Pattern.compile(
            "(?is)(?:^|;)\\s*(?:/\\*.*?\\*/\\s*)*(ROLLBACK|ABORT)\\b(?!\\s+PREPARED)(?!\\s+(?:WORK\\s+|TRANSACTION\\s+)?TO\\b)");
    private static final Pattern SESSION_LOCK = Pattern.compile("(?is).*\\bpg_(try_)?advisory_lock(_shared)?\\s*\\(.*");
    private static final Pattern UNLOCK = Pattern.compile("(?is).*\\bpg_advisory_unlock.*");
    private static final int MAX_KEY_PARTS = 4;

    private Incidents() {
    }

    /** The incidents of a snapshot's findings, worst first, then by number of holders. Never fails. */
    public static List<Incident> group(Snapshot snapshot, List<Finding> findings) {
        return group(new RuleContext(snapshot, RuleOptions.defaults()), findings);
    }

    /** The incidents of the findings, over an index of the snapshot the findings came from. Never fails. */
    public static List<Incident> group(RuleContext ctx, List<Finding> findings) {
        Snapshot snapshot = ctx.snapshot();
        Set<Integer> implicated = new LinkedHashSet<>();
        for (Finding f : findings) {
            for (int pid : f.pids()) {
                if (!ctx.held(pid).isEmpty() && ctx.session(pid).map(s -> !s.waitingOnLock()).orElse(true)) {
                    implicated.add(pid);
                }
            }
        }
        Map<String, List<Integer>> groups = new LinkedHashMap<>();
        for (int waiter : snapshot.waiterPids()) {
            for (int root : ctx.rootBlockers(waiter)) {
                if (root != PreparedTransaction.PID && !ctx.held(root).isEmpty()) {
                    implicated.add(root);
                }
            }
        }
        for (int pid : implicated) {
            // one incident per database: its remedy runs connected to that database (advisory locks are per database)
            String key = kind(ctx, pid) + "/" + ctx.verdict(pid).safe() + "/"
                    + ctx.session(pid).map(SessionInfo::database).orElse("");
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(pid);
        }
        Set<Integer> assignedWaiters = new LinkedHashSet<>();
        List<Incident> out = new ArrayList<>();
        for (List<Integer> pids : groups.values()) {
            out.add(sessions(ctx, pids, findings, assignedWaiters));
        }
        for (PreparedTransaction p : snapshot.prepared()) {
            if (!p.locks().isEmpty()) {
                out.add(prepared(ctx, p, findings));
            }
        }
        out.sort(Comparator.comparing(Incident::severity).reversed()
                .thenComparing(Comparator.comparingInt((Incident i) -> i.holders().size()).reversed()));
        return out;
    }

    private static Kind kind(RuleContext ctx, int pid) {
        SessionInfo s = ctx.session(pid).orElse(null);
        if (s == null || !s.detailsVisible()) {
            return Kind.HIDDEN_HOLDER;
        }
        if (s.idle() && pooledServer(ctx, pid) != null) {
            return Kind.POOLED_SESSION_LOCKS;
        }
        if (s.idle()) {
            return Kind.IDLE_SESSION_LOCKS;
        }
        if (s.idleInTransaction()) {
            return Kind.IDLE_IN_TRANSACTION;
        }
        return Kind.RUNNING_HOLDER;
    }

    private static PgBouncerServer pooledServer(RuleContext ctx, int pid) {
        return ctx.snapshot().pgBouncer().flatMap(v -> v.serverByRemotePid(pid))
                .filter(PgBouncerServer::sharedBetweenClients).orElse(null);
    }

    private static Incident sessions(RuleContext ctx, List<Integer> pids, List<Finding> findings,
                                     Set<Integer> assignedWaiters) {
        Kind kind = kind(ctx, pids.get(0));
        List<IncidentHolder> holders = pids.stream().map(p -> holder(ctx, p))
                .sorted(Comparator.comparingInt(IncidentHolder::blocking).reversed()
                        .thenComparing(IncidentHolder::inState, Comparator.reverseOrder()))
                .toList();
        Set<Integer> waiters = new LinkedHashSet<>();
        for (int pid : pids) {
            for (int w : ctx.allWaitersBehind(pid)) {
                if (assignedWaiters.add(w)) {
                    waiters.add(w);
                }
            }
        }
        Set<Integer> pidSet = Set.copyOf(pids);
        List<Finding> mine = findings.stream().filter(f -> !f.pids().isEmpty() && pidSet.contains(f.pids().get(0)))
                .toList();
        Severity severity = mine.stream().map(Finding::severity).max(Comparator.naturalOrder())
                .orElse(waiters.isEmpty() ? Severity.INFO : Severity.WARNING);
        int locks = pids.stream().mapToInt(p -> ctx.held(p).size()).sum();
        boolean safe = ctx.verdict(pids.get(0)).safe();
        return new Incident(kind, severity, summary(kind, holders, locks, waiters.size(), safe), holders, List.of(),
                List.copyOf(waiters), locks, merge(holders), remedy(kind, holders, safe), mine);
    }

    private static String summary(Kind kind, List<IncidentHolder> holders, int locks, int waiters, boolean safe) {
        int n = holders.size();
        String sessions = n + " " + plural(n, "session");
        String lockText = locks + " " + plural(locks, "advisory lock");
        String head = switch (kind) {
            case POOLED_SESSION_LOCKS -> n + " PgBouncer server " + plural(n, "connection") + " in transaction pooling "
                    + (n == 1 ? "holds " : "hold ") + locks + " session-level " + plural(locks, "advisory lock")
                    + " outside any transaction";
            case IDLE_SESSION_LOCKS -> n + " idle " + plural(n, "session") + (n == 1 ? " holds " : " hold ") + locks
                    + " session-level " + plural(locks, "advisory lock") + " (no transaction open: leaked)";
            case IDLE_IN_TRANSACTION -> sessions + " idle in transaction " + (n == 1 ? "holds " : "hold ") + lockText
                    + (safe ? ", no uncommitted writes" : "");
            case RUNNING_HOLDER -> sessions + " running a query " + (n == 1 ? "holds " : "hold ") + lockText;
            case HIDDEN_HOLDER -> sessions + " this role may not see " + (n == 1 ? "holds " : "hold ") + lockText;
            case PREPARED_TRANSACTION -> throw new IllegalArgumentException("not a session incident");
        };
        String unsafe = safe || kind == Kind.HIDDEN_HOLDER ? "" : "; " + (n == 1 ? "it " : "the first ")
                + holders.get(0).verdict().risk();
        return head + unsafe + (waiters == 0 ? "" : "; " + waiters + " " + plural(waiters, "session")
                + (waiters == 1 ? " waits" : " wait") + " behind " + (n == 1 ? "it" : "them"));
    }

    private static IncidentHolder holder(RuleContext ctx, int pid) {
        SessionInfo s = ctx.session(pid).orElse(null);
        List<AdvisoryLockRow> held = ctx.held(pid);
        List<LockKey> keys = ctx.heldKeys(pid);
        PgBouncerServer server = pooledServer(ctx, pid);
        TerminationVerdict v = ctx.verdict(pid);
        Duration inState = s == null ? Duration.ZERO : s.inStateFor(ctx.now()).orElse(Duration.ZERO);
        return new IncidentHolder(pid, s == null ? null : s.applicationName(), s == null ? null : s.user(),
                s == null ? null : s.clientAddr(), s == null ? null : s.state(), inState, held.size(), keys,
                KeyRanges.compact(keys, k -> AdvisoryLockRow.label(held, k), MAX_KEY_PARTS),
                ctx.allWaitersBehind(pid).size(),
                server == null ? null : server.database() + "/" + server.user() + " (" + server.poolMode() + ")",
                v, v.safe() ? null : instead(s, v, ctx.snapshot().visibility().role()), causes(ctx, s, server), s == null ? null : s.database());
    }

    /** Root-cause evidence for one holder, from what the server shows. */
    private static List<Cause> causes(RuleContext ctx, SessionInfo s, PgBouncerServer server) {
        List<Cause> out = new ArrayList<>();
        if (s == null || !s.detailsVisible()) {
            return out;
        }
        if (server != null) {
            out.add(new Cause("pgbouncer-transaction-pooling", "PgBouncer " + server.poolMode() + " pooling: the "
                    + "lock stays with the server connection", Confidence.CERTAIN, 1));
        }
        String q = s.query() == null ? "" : s.query();
        if ("idle in transaction (aborted)".equals(s.state())) {
            out.add(new Cause("failed-transaction", "its transaction failed and was never rolled back; a session-level "
                    + "lock taken in it survives the rollback too", Confidence.CERTAIN, 1));
        } else if (s.idle() && ROLLBACK.matcher(q).find()) {
            java.util.regex.Matcher m = ROLLBACK.matcher(q);
            String verb = m.find() ? m.group(1).toUpperCase(java.util.Locale.ROOT) : "ROLLBACK";
            out.add(new Cause("rolled-back", "taken in a transaction that rolled back (" + verb
                    + "): session locks survive it", Confidence.LIKELY, 1));
        } else if (s.idle() && SESSION_LOCK.matcher(q).matches() && !UNLOCK.matcher(q).matches()) {
            out.add(new Cause("lock-never-unlocked", "its last statement took a session lock and nothing unlocked it",
                    Confidence.LIKELY, 1));
        }
        if (s.idleInTransaction()) {
            out.add(new Cause("idle-in-transaction", "idle in a transaction"
                    + (s.hasUncommittedWrites() ? " with uncommitted writes" : " that has written nothing")
                    + ": the application went quiet", Confidence.CERTAIN, 1));
        } else if (s.idle() && server == null) {
            out.add(new Cause("idle-session", "it is idle with no transaction open, so its locks are session-level and "
                    + "stay until unlocked or the session ends", Confidence.CERTAIN, 1));
        } else if (s.active()) {
            out.add(new Cause("running", "it is running a query and may release the lock by itself",
                    Confidence.CERTAIN, 1));
        }
        return out;
    }

    /** The holders' causes merged by code, with how many holders each applies to, most common first. */
    private static List<Cause> merge(List<IncidentHolder> holders) {
        Map<String, Cause> byCode = new LinkedHashMap<>();
        for (IncidentHolder h : holders) {
            for (Cause c : h.causes()) {
                byCode.merge(c.code(), c, (a, b) -> new Cause(a.code(), a.text(), a.confidence(), a.holders() + 1));
            }
        }
        return byCode.values().stream().sorted(Comparator.comparingInt(Cause::holders).reversed()).toList();
    }

    private static String instead(SessionInfo s, TerminationVerdict v, String reader) {
        int pid = v.pid();
        if (s == null) {
            return "run lockwarden diagnose again: it may have ended";
        }
        if (!s.detailsVisible()) {
            return "run diagnose as a role with pg_monitor (GRANT pg_monitor TO " + reader
                    + ") to see whether it is safe to end";
        }
        if (s.hasUncommittedWrites()) {
            return "let its application (" + (s.applicationName() == null || s.applicationName().isEmpty() ? ""
                    : "app '" + s.applicationName() + "', ") + "client " + (s.clientAddr() == null ? "local"
                    : s.clientAddr()) + ") commit or roll back; if it is gone: lockwarden release --pid "
                    + pid + " --force (its writes are lost)";
        }
        if (s.active()) {
            return "it is working: let it finish, or cancel just its query with SELECT pg_cancel_backend(" + pid + ")";
        }
        return "leave it: " + v.risk();
    }

    private static Remedy remedy(Kind kind, List<IncidentHolder> holders, boolean safe) {
        List<Integer> pids = holders.stream().map(IncidentHolder::pid).toList();
        if (safe) {
            String list = pids.stream().map(String::valueOf).collect(Collectors.joining(","));
            return new Remedy("release", "lockwarden release --pid " + list, null, pids,
                    "safe for " + (pids.size() == 1 ? "it" : "all " + pids.size()) + ": no uncommitted writes, no "
                    + "running query; rechecked as each is ended");
        }
        if (kind == Kind.RUNNING_HOLDER) {
            return new Remedy("wait", null, "SET lock_timeout = '5s'", List.of(),
                    "the holders are working and will release by themselves; make waiters give up instead of queueing");
        }
        return new Remedy("none", null, null, List.of(), "no holder here is safe to end: see what to do instead for each");
    }

    private static Incident prepared(RuleContext ctx, PreparedTransaction p, List<Finding> findings) {
        Set<Integer> waiters = ctx.waitersBehindPrepared(p);
        List<Finding> mine = findings.stream().filter(f -> f.rule().equals(PreparedTransactionHoldsLocksRule.ID)
                && p.gid().equals(f.evidence().get("gid"))).toList();
        Severity severity = mine.stream().map(Finding::severity).max(Comparator.naturalOrder()).orElse(Severity.WARNING);
        int locks = p.locks().size();
        String summary = "prepared transaction '" + p.gid() + "' holds " + locks + " " + plural(locks, "advisory lock")
                + " with no session (pg_terminate_backend cannot end it; it survives a restart)"
                + (waiters.isEmpty() ? "" : "; " + waiters.size() + " " + plural(waiters.size(), "session")
                + (waiters.size() == 1 ? " waits" : " wait") + " behind it");
        List<Cause> causes = List.of(new Cause("prepared-transaction", "PREPARE TRANSACTION '" + p.gid() + "' by "
                + p.owner() + " in database " + p.database() + ", " + duration(p.age(ctx.now()))
                + " ago, was never committed or rolled back by its coordinator", Confidence.CERTAIN, 0));
        Remedy remedy = new Remedy("finish-prepared", "lockwarden release --rollback-prepared " + p.gid(),
                p.commitSql() + "; or " + p.rollbackSql() + ";", List.of(), "only whoever owns that transaction knows "
                + "whether to commit or roll it back; run it in database " + p.database() + " as " + p.owner()
                + " or a superuser");
        return new Incident(Kind.PREPARED_TRANSACTION, severity, summary, List.of(), List.of(p), List.copyOf(waiters),
                locks, causes, remedy, mine);
    }

    private static String plural(int n, String word) {
        return n == 1 ? word : word + "s";
    }

    private static String duration(Duration d) {
        long s = d.getSeconds();
        return s < 60 ? s + "s" : s < 3600 ? s / 60 + "m" : s / 3600 + "h" + (s % 3600) / 60 + "m";
    }
}
