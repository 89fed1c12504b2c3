package io.lockwarden.watch.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lockwarden.inspect.Finding;
import io.lockwarden.inspect.SessionInfo;
import io.lockwarden.inspect.Snapshot;
import io.lockwarden.inspect.TerminationException;
import io.lockwarden.inspect.TerminationOutcome;
import io.lockwarden.inspect.TerminationPlan;
import io.lockwarden.inspect.TerminationVerdict;
import io.lockwarden.inspect.Terminator;
import io.lockwarden.watch.Policy;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a target's {@link Policy} to one sample: picks idle holders of session locks idle for at least the
 * policy's duration and admitted by its patterns, blockers first (the sessions with the most waiters behind them,
 * then the longest idle, so that under the per-minute cap the terminations that free the most work come first),
 * skips (with the reason) holders idle in a transaction and those
 * the snapshot calls unsafe, honours dry-run and
 * the per-minute cap, and has inspect's {@link Terminator} (the one {@code lockwarden release} uses) recheck and
 * end the rest, with two more conditions in its plan: still idle for the policy's duration, and fenced by this
 * replica's leader lock. Every termination and
 * every skip is appended to the {@link AuditLog} (forced to disk) before the next action; an unchanged skip
 * of the same session is recorded once, not at every sample. Not thread-safe: one sampling thread per target.
 */
public final class Enforcer {
    private static final Logger LOG = LoggerFactory.getLogger(Enforcer.class);

    /** A decision the enforcer took, as counted in {@code lockwarden_terminations_total}. */
    public record Decision(String decision, String outcome) {
    }

    /** Every (decision, outcome) pair the enforcer can produce, for pre-registering counters at zero. */
    public static final List<Decision> DECISIONS = List.of(new Decision("terminate", "terminated"),
            new Decision("terminate", "recheck-failed"), new Decision("terminate", "not-confirmed"),
            new Decision("terminate", "denied"), new Decision("terminate", "error"), new Decision("skip", "unsafe"), new Decision("skip", "cap"),
            new Decision("skip", "not-leader"), new Decision("dry-run", "not-attempted"));

    private final String target;
    private final AuditLog audit;
    /** How long the terminating statement waits for a signalled backend to exit. */
    static final Duration EXIT_WAIT = Duration.ofSeconds(5);

    private final Clock clock;
    private final String replica;
    private final Deque<Instant> recent = new ArrayDeque<>();
    private Set<String> recordedSkips = new HashSet<>();

    /** An enforcer for one target writing to {@code audit}. */
    public Enforcer(String target, AuditLog audit, Clock clock, String replica) {
        this.target = target;
        this.audit = audit;
        this.clock = clock;
        this.replica = replica;
    }

    /**
     * Acts on one sample.
     *
     * @param conn     a connection to the target for the terminating statements
     * @param leader   true while this replica holds the target's leader lock; asked again before each termination
     * @param fencePid the backend holding this replica's leader lock (-1 for none)
     * @return the decisions taken, one per candidate
     */
    public List<Decision> enforce(Connection conn, Policy policy, Snapshot s, List<Finding> findings,
                                  List<HoldTracker.TrackedHold> tracked, BooleanSupplier leader, int fencePid) {
        List<Decision> out = new ArrayList<>();
        if (policy.mode() == Policy.Mode.OFF) {
            return out;
        }
        Map<Integer, List<HoldTracker.TrackedHold>> byPid = new LinkedHashMap<>();
        for (HoldTracker.TrackedHold h : tracked) {
            byPid.computeIfAbsent(h.row().pid(), p -> new ArrayList<>()).add(h);
        }
        Map<Integer, List<String>> incidents = new HashMap<>();
        for (Finding f : findings) {
            f.pids().forEach(p -> incidents.computeIfAbsent(p, k -> new ArrayList<>()).add(f.rule()));
        }
        Set<String> skipsNow = new HashSet<>();
        // blockers first: under the cap, the sessions whose end frees the most waiters go first, then the
        // longest idle
        Map<Integer, Integer> behind = waitersBehind(s);
        List<Candidate> candidates = new ArrayList<>();
        for (Map.Entry<Integer, List<HoldTracker.TrackedHold>> e : byPid.entrySet()) {
            SessionInfo si = e.getValue().get(0).session();
            if (si == null || !(si.idle() || si.idleInTransaction())) {
                continue;
            }
            Duration idle = si.inStateFor(s.takenAt()).orElse(Duration.ZERO);
            if (idle.compareTo(policy.idleHoldersOlderThan()) < 0
                    || !policy.admits(si.applicationName(), si.user(), si.database())) {
                continue;
            }
            candidates.add(new Candidate(si, e.getValue(), idle, behind.getOrDefault(si.pid(), 0)));
        }
        candidates.sort(Comparator.comparingInt(Candidate::waiters).reversed()
                .thenComparing(Candidate::idle, Comparator.reverseOrder()).thenComparingInt(c -> c.session().pid()));
        int order = 0;
        for (Candidate c : candidates) {
            SessionInfo si = c.session();
            Duration idle = c.idle();
            order++;
            String rank = "; order " + order + " of " + candidates.size() + " (blockers first): " + c.waiters()
                    + (c.waiters() == 1 ? " session waits" : " sessions wait") + " behind it";
            ObjectNode entry = entry(si, c.holds(), idle, incidents.getOrDefault(si.pid(), List.of()));
            entry.put("order", order).put("waiters", c.waiters());
            if (si.idleInTransaction()) {
                skip(out, skipsNow, entry, si, "skip", "unsafe", "it is idle in an open transaction"
                        + (si.hasUncommittedWrites() ? " with uncommitted writes (backend_xid " + si.backendXid() + ")"
                        : "") + ": termination would roll it back, and the policy ends only idle sessions (no "
                        + "transaction); end the transaction, or release it by hand with lockwarden release");
                continue;
            }
            TerminationVerdict v = s.terminationVerdict(si.pid());
            if (!v.safe()) {
                skip(out, skipsNow, entry, si, "skip", "unsafe", "it " + v.risk());
                continue;
            }
            if (policy.mode() == Policy.Mode.DRY_RUN) {
                skip(out, skipsNow, entry, si, "dry-run", "not-attempted",
                        "dry-run: would terminate (safe, idle for " + idle.toSeconds() + " s)");
                continue;
            }
            Instant now = clock.instant();
            while (!recent.isEmpty() && recent.peekFirst().isBefore(now.minusSeconds(60))) {
                recent.removeFirst();
            }
            if (recent.size() >= policy.maxTerminationsPerMinute()) {
                skip(out, skipsNow, entry, si, "skip", "cap", "cap of " + policy.maxTerminationsPerMinute()
                        + " terminations per minute reached; retried at a later sample" + rank);
                continue;
            }
            if (!leader.getAsBoolean()) {
                skip(out, skipsNow, entry, si, "skip", "not-leader", "this replica lost the leader lock");
                break;
            }
            TerminationPlan plan;
            try {
                plan = TerminationPlan.of(s, si.pid(), false).withMinIdle(policy.idleHoldersOlderThan());
            } catch (IllegalArgumentException ex) {
                skip(out, skipsNow, entry, si, "skip", "unsafe", ex.getMessage());
                continue;
            }
            if (fencePid > 0) {
                plan = plan.withFence(fencePid, LeaderElection.KEY);
            }
            recent.addLast(now);
            // the intent is on disk before the signal, so a crash between the two still leaves a trace
            audit.append(entry.deepCopy().put("decision", "terminate").put("outcome", "attempting")
                    .put("reason", "idle session-lock holder for " + idle.toSeconds() + " s; rechecking and terminating"
                            + rank));
            Decision d = new Decision("terminate", terminate(conn, plan, idle, entry));
            entry.put("decision", d.decision()).put("outcome", d.outcome());
            entry.put("reason", entry.path("reason").asText() + rank);
            audit.append(entry);
            LOG.info("target {}: enforcement {} pid {} ({}): {}", target, d.outcome(), si.pid(), si.applicationName(),
                    entry.path("reason").asText());
            out.add(d);
        }
        recordedSkips = skipsNow;
        return out;
    }

    /** A session the policy considers in this sample, with how many sessions wait behind it. */
    private record Candidate(SessionInfo session, List<HoldTracker.TrackedHold> holds, Duration idle, int waiters) {
    }

    /**
     * For each blocking pid, how many sessions wait behind it, directly or through a chain of waiters
     * ({@code pg_blocking_pids}, as read in the snapshot).
     */
    static Map<Integer, Integer> waitersBehind(Snapshot s) {
        Map<Integer, List<Integer>> blockers = new HashMap<>();
        for (SessionInfo si : s.sessions()) {
            if (!si.blockingPids().isEmpty()) {
                blockers.put(si.pid(), si.blockingPids());
            }
        }
        Map<Integer, Set<Integer>> behind = new HashMap<>();
        for (Map.Entry<Integer, List<Integer>> w : blockers.entrySet()) {
            Deque<Integer> todo = new ArrayDeque<>(w.getValue());
            Set<Integer> seen = new HashSet<>();
            while (!todo.isEmpty()) {
                int b = todo.removeFirst();
                if (b == w.getKey() || !seen.add(b)) {
                    continue;
                }
                behind.computeIfAbsent(b, k -> new HashSet<>()).add(w.getKey());
                todo.addAll(blockers.getOrDefault(b, List.of()));
            }
        }
        Map<Integer, Integer> out = new HashMap<>();
        behind.forEach((pid, set) -> out.put(pid, set.size()));
        return out;
    }

    /**
     * Runs the plan through the {@link Terminator} and maps its outcome onto the audit log's outcome
     * ({@code terminated}, {@code not-confirmed}, {@code recheck-failed}, {@code denied} or {@code error}); the
     * reason goes into {@code entry}.
     */
    private static String terminate(Connection c, TerminationPlan plan, Duration idle, ObjectNode entry) {
        TerminationOutcome o;
        try {
            o = Terminator.on(c, EXIT_WAIT).terminate(List.of(plan)).get(0);
        } catch (TerminationException ex) {
            entry.put("reason", "the terminating statement failed: " + ex.getMessage().lines().findFirst().orElse(""));
            return "error";
        }
        switch (o.status()) {
            case TERMINATED -> {
                entry.put("reason", "idle session-lock holder for " + idle.toSeconds() + " s, safe at the recheck");
                return "terminated";
            }
            case NOT_CONFIRMED -> {
                entry.put("reason", o.detail());
                return "not-confirmed";
            }
            case DENIED -> {
                entry.put("reason", "the server refused the signal (" + o.detail() + "): grant pg_signal_backend "
                        + "to the watchdog's role");
                return "denied";
            }
            default -> {
                entry.put("reason", "it " + String.join("; it ", o.changes()));
                return "recheck-failed";
            }
        }
    }

    private void skip(List<Decision> out, Set<String> skipsNow, ObjectNode entry, SessionInfo si, String decision,
                      String outcome, String reason) {
        String id = si.pid() + "|" + si.backendStart() + "|" + decision + "|" + outcome;
        skipsNow.add(id);
        out.add(new Decision(decision, outcome));
        if (recordedSkips.contains(id)) {
            return;
        }
        entry.put("decision", decision).put("outcome", outcome).put("reason", reason);
        audit.append(entry);
        LOG.info("target {}: enforcement {} pid {}: {}", target, decision, si.pid(), reason);
    }

    private ObjectNode entry(SessionInfo si, List<HoldTracker.TrackedHold> holds, Duration idle, List<String> rules) {
        ObjectNode n = AuditLog.entry();
        n.put("time", clock.instant().toString());
        n.put("target", target);
        n.put("replica", replica);
        n.put("pid", si.pid());
        n.put("backend_start", si.backendStart() == null ? null : si.backendStart().toString());
        n.put("user", si.user());
        n.put("application_name", si.applicationName());
        n.put("client_addr", si.clientAddr());
        ArrayNode keys = n.putArray("keys");
        holds.stream().map(h -> h.row().label()).distinct().sorted().limit(50).forEach(keys::add);
        n.put("hold_seconds", holds.stream().mapToLong(h -> h.hold().toSeconds()).max().orElse(0));
        n.put("idle_seconds", idle.toSeconds());
        ArrayNode inc = n.putArray("incident");
        rules.stream().distinct().forEach(inc::add);
        return n;
    }
}
