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
 * policy's duration and admitted by its patterns, skips (with the reason) holders idle in a transaction and those
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
     * @param c        a connection to the target for the terminating statements
     * @param leader   true while this replica holds the target's leader lock; asked again before each termination
     * @param fencePid the backend holding this replica's leader lock (-1 for none)
     * @return the decisions taken, one per candidate
     */
    public List<Decision> enforce(Connection c, Policy policy, Snapshot s, List<Finding> findings,
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
            ObjectNode entry = entry(si, e.getValue(), idle, incidents.getOrDefault(si.pid(), List.of()));
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
                        + " terminations per minute reached; retried at a later sample");
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
                    .put("reason", "idle session-lock holder for " + idle.toSeconds() + " s; rechecking and terminating"));
            Decision d = new Decision("terminate", terminate(c, plan, idle, entry));
            entry.put("decision", d.decision()).put("outcome", d.outcome());
            audit.append(entry);
            LOG.info("target {}: enforcement {} pid {} ({}): {}", target, d.outcome(), si.pid(), si.applicationName(),
                    entry.path("reason").asText());
            out.add(d);
        }
        recordedSkips = skipsNow;
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
