package io.lockwarden.postmortem.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lockwarden.postmortem.AdvisoryKey;
import io.lockwarden.postmortem.Deadlock;
import io.lockwarden.postmortem.Holder;
import io.lockwarden.postmortem.KeyHistory;
import io.lockwarden.postmortem.LockTableFull;
import io.lockwarden.postmortem.Report;
import io.lockwarden.postmortem.SourceSummary;
import io.lockwarden.postmortem.Summary;
import io.lockwarden.postmortem.Termination;
import io.lockwarden.postmortem.TimelineEvent;
import io.lockwarden.postmortem.Wait;
import io.lockwarden.postmortem.WaitOutcome;
import java.time.Instant;
import java.util.List;

/** Renders a report as the JSON documented in {@code docs/postmortem-json.md}. Stateless, thread-safe. */
public final class JsonRenderer {
    /** The {@code format_version} written; bumped only on incompatible changes. */
    public static final int FORMAT_VERSION = 1;
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private JsonRenderer() {
    }

    /** The report as a JSON document (with a trailing newline). */
    public static String render(Report r) {
        try {
            return MAPPER.writeValueAsString(tree(r)) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the postmortem JSON: " + e.getMessage(), e);
        }
    }

    /** The report as a JSON tree. */
    public static ObjectNode tree(Report r) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("format_version", FORMAT_VERSION);
        root.put("incident", r.incident());
        root.set("summary", summary(r.summary()));
        ArrayNode keys = root.putArray("keys");
        r.keys().forEach(k -> keys.add(key(k)));
        ArrayNode holders = root.putArray("holders");
        r.holders().forEach(h -> holders.add(holder(h)));
        ArrayNode terms = root.putArray("terminations");
        r.terminations().forEach(t -> terms.add(termination(t)));
        ArrayNode dls = root.putArray("deadlocks");
        r.deadlocks().forEach(d -> dls.add(deadlock(d)));
        LockTableFull f = r.lockTableFull();
        if (f == null) {
            root.putNull("lock_table_full");
        } else {
            ObjectNode n = root.putObject("lock_table_full");
            time(n, "first", f.first());
            time(n, "last", f.last());
            n.put("count", f.count());
            ints(n.putArray("pids"), f.pids());
        }
        root.put("other_lock_timeouts", r.otherLockTimeouts());
        ArrayNode limits = root.putArray("limits");
        r.limits().forEach(limits::add);
        ArrayNode sources = root.putArray("sources");
        r.sources().forEach(s -> sources.add(source(s)));
        return root;
    }

    private static ObjectNode summary(Summary s) {
        ObjectNode n = MAPPER.createObjectNode();
        time(n, "window_start", s.windowStart());
        time(n, "window_end", s.windowEnd());
        n.put("keys", s.keys());
        ArrayNode roots = n.putArray("root_holders");
        s.rootHolders().forEach(h -> roots.add(holder(h)));
        n.put("waits", s.waits());
        n.put("acquired", s.acquired());
        n.put("lock_timeouts", s.lockTimeouts());
        n.put("deadlocks", s.deadlocks());
        n.put("canceled", s.canceled());
        n.put("terminations", s.terminations());
        n.put("lock_table_full", s.lockTableFull());
        if (s.longestWait() == null) {
            n.putNull("longest_wait");
        } else {
            n.set("longest_wait", wait(s.longestWait()));
        }
        n.put("peak_waiters", s.peakWaiters());
        n.put("peak_key", s.peakKey());
        time(n, "peak_at", s.peakAt());
        n.put("likely_cause", s.likelyCause());
        ArrayNode causes = n.putArray("causes");
        s.causes().forEach(causes::add);
        return n;
    }

    private static ObjectNode key(KeyHistory h) {
        ObjectNode n = MAPPER.createObjectNode();
        n.set("key", advisoryKey(h.key()));
        ints(n.putArray("holders"), h.holders());
        ArrayNode waits = n.putArray("waits");
        h.waits().forEach(w -> waits.add(wait(w)));
        ObjectNode outcomes = n.putObject("outcomes");
        for (WaitOutcome o : WaitOutcome.values()) {
            outcomes.put(o.label(), h.outcomes().getOrDefault(o, 0));
        }
        time(n, "first_wait", h.firstWait());
        time(n, "end", h.end());
        n.put("peak_waiters", h.peakWaiters());
        time(n, "peak_at", h.peakAt());
        ArrayNode timeline = n.putArray("timeline");
        for (TimelineEvent e : h.timeline()) {
            ObjectNode t = timeline.addObject();
            time(t, "time", e.time());
            t.put("kind", e.kind());
            t.put("pid", e.pid());
            t.put("text", e.text());
        }
        ArrayNode waiting = n.putArray("waiting");
        for (KeyHistory.WaitingPoint p : h.waiting()) {
            ObjectNode t = waiting.addObject();
            time(t, "time", p.time());
            t.put("waiting", p.waiting());
        }
        return n;
    }

    private static ObjectNode advisoryKey(AdvisoryKey k) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("label", k.label());
        n.put("tag", k.tag());
        n.put("form", k.form());
        if (k.key().form() == io.lockwarden.LockKey.Form.BIGINT) {
            n.put("bigint", k.key().bigint());
        } else {
            n.put("key1", k.key().key1());
            n.put("key2", k.key().key2());
        }
        n.put("classid", k.key().classid());
        n.put("objid", k.key().objid());
        n.put("objsubid", k.key().objsubid());
        if (k.databaseOid() < 0) {
            n.putNull("database_oid");
        } else {
            n.put("database_oid", k.databaseOid());
        }
        n.put("database", k.database());
        n.put("namespace", k.namespace());
        n.put("name", k.key().name().orElse(null));
        return n;
    }

    private static ObjectNode wait(Wait w) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("pid", w.pid());
        n.put("key", w.key().label());
        n.put("tag", w.key().tag());
        n.put("mode", w.mode());
        time(n, "start", w.start());
        time(n, "end", w.end());
        if (w.waitedMs() == null) {
            n.putNull("waited_ms");
        } else {
            n.put("waited_ms", Math.round(w.waitedMs() * 1000) / 1000.0);
        }
        n.put("outcome", w.outcome().label());
        n.put("freed_by", w.freedBy());
        ints(n.putArray("holders"), w.holders());
        ints(n.putArray("queue"), w.queue());
        n.put("user", w.user());
        n.put("database", w.database());
        n.put("application", w.application());
        n.put("statement", w.statement());
        return n;
    }

    private static ObjectNode holder(Holder h) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("pid", h.pid());
        ArrayNode keys = n.putArray("keys");
        h.keys().forEach(keys::add);
        time(n, "first_seen", h.firstSeen());
        time(n, "last_seen", h.lastSeen());
        time(n, "ended", h.ended());
        n.put("ended_by", h.endedBy());
        if (h.heldAtLeastMs() == null) {
            n.putNull("held_at_least_ms");
        } else {
            n.put("held_at_least_ms", h.heldAtLeastMs());
        }
        n.put("also_waited", h.alsoWaited());
        return n;
    }

    private static ObjectNode termination(Termination t) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("pid", t.pid());
        time(n, "time", t.time());
        n.put("reason", t.reason());
        ArrayNode keys = n.putArray("keys_held");
        t.keysHeld().forEach(keys::add);
        ints(n.putArray("freed_waiters"), t.freedWaiters());
        n.put("was_waiting", t.wasWaiting());
        return n;
    }

    private static ObjectNode deadlock(Deadlock d) {
        ObjectNode n = MAPPER.createObjectNode();
        time(n, "time", d.time());
        n.put("victim", d.victim());
        n.put("database", d.database());
        ArrayNode cycle = n.putArray("cycle");
        for (Deadlock.Edge e : d.cycle()) {
            ObjectNode c = cycle.addObject();
            c.put("pid", e.pid());
            c.put("mode", e.mode());
            c.put("lock", e.lock());
            c.put("key", e.key());
            c.put("blocked_by", e.blockedBy());
        }
        return n;
    }

    private static ObjectNode source(SourceSummary s) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("source", s.source());
        n.put("format", s.format().label());
        n.put("gzip", s.gzip());
        n.put("prefix", s.prefix());
        n.put("lines", s.lines());
        n.put("entries", s.entries());
        n.put("skipped_lines", s.skippedLines());
        ArrayNode foreign = n.putArray("foreign_severities");
        s.foreignSeverities().forEach(foreign::add);
        return n;
    }

    private static void time(ObjectNode n, String field, Instant t) {
        if (t == null) {
            n.putNull(field);
        } else {
            n.put(field, t.toString());
        }
    }

    private static void ints(ArrayNode a, List<Integer> values) {
        values.forEach(a::add);
    }
}
