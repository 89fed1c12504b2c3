package io.lockwarden.inspect;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lockwarden.LockKey;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code diagnose --format json} document, version 1, as documented in {@code docs/diagnose-json.md}.
 * Field names are stable; new fields may be added. Used by {@code lockwarden diagnose --format json} and by
 * the watchdog's {@code /api/snapshot}, so both speak one format. Stateless and thread-safe.
 */
public final class DiagnosisJson {
    /** Bumped only when a field is removed or changes meaning. */
    public static final int FORMAT_VERSION = 1;

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * Renders the document, indented, without a trailing newline.
     *
     * @param target how to name the server in the document (host:port/db as user; never a password)
     */
    public String render(Diagnosis d, String target) {
        Snapshot s = d.snapshot();
        ObjectNode root = MAPPER.createObjectNode();
        root.put("format_version", FORMAT_VERSION);
        root.put("taken_at", s.takenAt().toString());
        root.put("target", target);

        ObjectNode server = root.putObject("server");
        server.put("version", s.serverVersion());
        server.put("version_num", s.serverVersionNum());
        ObjectNode settings = server.putObject("settings");
        new TreeMap<>(s.settings().values()).forEach(settings::put);
        ObjectNode lockTable = server.putObject("lock_table");
        lockTable.put("entries", s.lockTableEntries());
        s.settings().lockTableCapacity().ifPresentOrElse(c -> lockTable.put("capacity", c),
                () -> lockTable.putNull("capacity"));
        ObjectNode vis = server.putObject("visibility");
        vis.put("role", s.visibility().role());
        vis.put("reader_pid", s.visibility().readerPid());
        vis.put("sees_all_sessions", s.visibility().seesAllSessions());
        vis.put("can_signal_backends", s.visibility().canSignalBackends());

        ObjectNode summary = root.putObject("summary");
        summary.put("locks", s.locks().size());
        summary.put("holders", s.holderPids().size());
        summary.put("waiters", s.waiterPids().size());
        for (Severity sev : Severity.values()) {
            summary.put(sev.name().toLowerCase(), d.findings().stream().filter(f -> f.severity() == sev).count());
        }
        summary.put("has_problems", d.hasProblems());

        ArrayNode findings = root.putArray("findings");
        for (Finding f : d.findings()) {
            ObjectNode n = findings.addObject();
            n.put("rule", f.rule());
            n.put("severity", f.severity().name().toLowerCase());
            ArrayNode pids = n.putArray("pids");
            f.pids().forEach(pids::add);
            ArrayNode keys = n.putArray("keys");
            f.keys().forEach(k -> key(keys.addObject(), k, null));
            n.put("message", f.message());
            n.put("fix", f.fix());
            ArrayNode holders = n.putArray("holders");
            for (TerminationVerdict v : f.verdicts()) {
                ObjectNode h = holders.addObject();
                h.put("pid", v.pid());
                h.put("terminate_safe", v.safe());
                h.put("terminate_risk", v.risk());
            }
            ObjectNode evidence = n.putObject("evidence");
            new TreeMap<>(f.evidence()).forEach((k, v) -> evidence.set(k, MAPPER.valueToTree(v)));
        }

        ArrayNode incidents = root.putArray("incidents");
        for (Incident i : d.incidents()) {
            incident(incidents.addObject(), i, d.findings());
        }

        ArrayNode locks = root.putArray("locks");
        for (AdvisoryLockRow l : s.locks()) {
            ObjectNode n = locks.addObject();
            n.put("pid", l.pid());
            lockRow(n, l);
        }

        ArrayNode sessions = root.putArray("sessions");
        for (SessionInfo si : s.sessions()) {
            ObjectNode n = sessions.addObject();
            n.put("pid", si.pid());
            n.put("user", si.user());
            n.put("database", si.database());
            n.put("application_name", si.applicationName());
            n.put("client_addr", si.clientAddr());
            time(n, "backend_start", si.backendStart());
            time(n, "xact_start", si.xactStart());
            time(n, "query_start", si.queryStart());
            time(n, "state_change", si.stateChange());
            n.put("state", si.state());
            n.put("wait_event_type", si.waitEventType());
            n.put("wait_event", si.waitEvent());
            n.put("backend_xid", si.backendXid());
            n.put("query", si.query());
            n.put("backend_type", si.backendType());
            ArrayNode blockers = n.putArray("blocking_pids");
            si.blockingPids().forEach(blockers::add);
            n.put("details_visible", si.detailsVisible());
            TerminationVerdict v = TerminationVerdict.of(si, s.visibility().readerPid());
            n.put("terminate_safe", v.safe());
            n.put("terminate_risk", v.risk());
        }

        ArrayNode prepared = root.putArray("prepared_transactions");
        for (PreparedTransaction p : s.prepared()) {
            ObjectNode n = prepared.addObject();
            n.put("gid", p.gid());
            n.put("owner", p.owner());
            n.put("database", p.database());
            time(n, "prepared_at", p.preparedAt());
            n.put("transaction", p.transaction());
            ArrayNode rows = n.putArray("locks");
            p.locks().forEach(l -> lockRow(rows.addObject(), l));
        }

        PgBouncerView pgb = s.pgBouncer().orElse(null);
        if (pgb == null) {
            root.putNull("pgbouncer");
        } else {
            ObjectNode n = root.putObject("pgbouncer");
            ArrayNode servers = n.putArray("servers");
            for (PgBouncerServer sv : pgb.servers()) {
                ObjectNode o = servers.addObject();
                o.put("database", sv.database());
                o.put("user", sv.user());
                o.put("state", sv.state());
                o.put("remote_pid", sv.remotePid());
                o.put("pool_mode", sv.poolMode());
                o.put("linked_to_client", sv.linked());
            }
            rows(n.putArray("pools"), pgb.pools());
            rows(n.putArray("clients"), pgb.clients());
            rows(n.putArray("databases"), pgb.databases());
            ObjectNode config = n.putObject("config");
            pgb.config().forEach(config::put);
        }

        List<StatementStat> stats = s.statements().orElse(null);
        if (stats == null) {
            root.putNull("statements");
        } else {
            ArrayNode arr = root.putArray("statements");
            for (StatementStat st : stats) {
                ObjectNode o = arr.addObject();
                o.put("query", st.query());
                o.put("calls", st.calls());
                o.put("mean_ms", st.meanMillis());
                o.put("max_ms", st.maxMillis());
            }
        }
        try {
            return MAPPER.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize the diagnosis: " + e.getMessage(), e);
        }
    }

    private static void incident(ObjectNode n, Incident i, List<Finding> all) {
        n.put("kind", i.kind().id());
        n.put("severity", i.severity().name().toLowerCase());
        n.put("summary", i.summary());
        n.put("lock_count", i.lockCount());
        ArrayNode holders = n.putArray("holders");
        for (IncidentHolder h : i.holders()) {
            ObjectNode o = holders.addObject();
            o.put("pid", h.pid());
            o.put("application_name", h.applicationName());
            o.put("user", h.user());
            o.put("client_addr", h.clientAddr());
            o.put("state", h.state());
            o.put("in_state_seconds", h.inState().toSeconds());
            o.put("lock_count", h.lockCount());
            ArrayNode keys = o.putArray("keys");
            h.keys().forEach(k -> key(keys.addObject(), k, null));
            o.put("keys_text", h.keysText());
            o.put("blocking", h.blocking());
            o.put("pgbouncer_pool", h.pgBouncerPool());
            o.put("terminate_safe", h.verdict().safe());
            o.put("terminate_risk", h.verdict().risk());
            o.put("instead", h.instead());
            causes(o.putArray("causes"), h.causes());
        }
        ArrayNode gids = n.putArray("prepared_gids");
        i.prepared().forEach(p -> gids.add(p.gid()));
        ArrayNode waiters = n.putArray("waiter_pids");
        i.waiterPids().forEach(waiters::add);
        causes(n.putArray("causes"), i.causes());
        ObjectNode remedy = n.putObject("remedy");
        remedy.put("action", i.remedy().action());
        remedy.put("command", i.remedy().command());
        remedy.put("sql", i.remedy().sql());
        ArrayNode pids = remedy.putArray("pids");
        i.remedy().pids().forEach(pids::add);
        remedy.put("note", i.remedy().note());
        ArrayNode indexes = n.putArray("finding_indexes");
        for (Finding f : i.findings()) {
            int index = all.indexOf(f);
            if (index >= 0) {
                indexes.add(index);
            }
        }
    }

    /** The fields of a lock row shared by {@code locks[]} and {@code prepared_transactions[].locks[]}. */
    private static void lockRow(ObjectNode n, AdvisoryLockRow l) {
        key(n.putObject("key"), l.key(), l);
        n.put("mode", l.mode());
        n.put("granted", l.granted());
        n.put("database", l.database());
    }

    private static void causes(ArrayNode arr, List<Incident.Cause> causes) {
        for (Incident.Cause c : causes) {
            ObjectNode o = arr.addObject();
            o.put("code", c.code());
            o.put("text", c.text());
            o.put("confidence", c.confidence().name().toLowerCase());
            o.put("holders", c.holders());
        }
    }

    private static void key(ObjectNode n, LockKey k, AdvisoryLockRow row) {
        n.put("form", k.form() == LockKey.Form.BIGINT ? "bigint" : "pair");
        if (k.form() == LockKey.Form.BIGINT) {
            n.put("bigint", k.bigint());
            n.putNull("key1");
            n.putNull("key2");
        } else {
            n.putNull("bigint");
            n.put("key1", k.key1());
            n.put("key2", k.key2());
        }
        n.put("classid", k.classid());
        n.put("objid", k.objid());
        n.put("objsubid", k.objsubid());
        String namespace = k.namespace().orElse(row == null ? null : row.namespace());
        n.put("namespace", namespace);
        n.put("name", k.name().orElse(null));
        n.put("label", row == null ? k.label() : row.label());
    }

    private static void time(ObjectNode n, String field, Instant t) {
        n.put(field, t == null ? null : t.toString());
    }

    private static void rows(ArrayNode arr, List<Map<String, String>> rows) {
        for (Map<String, String> r : rows) {
            ObjectNode o = arr.addObject();
            r.forEach(o::put);
        }
    }
}
