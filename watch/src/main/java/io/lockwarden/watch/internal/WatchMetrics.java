package io.lockwarden.watch.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * The watchdog's Prometheus metrics (names and labels documented in {@code docs/watch.md}). Labels are bounded:
 * {@code target} (from the configuration), {@code state}, {@code mode}, {@code scope}, {@code namespace} (the
 * configured namespaces, at most {@value #MAX_NAMESPACES} per target; the rest are counted as {@code other} and in
 * {@code lockwarden_label_values_dropped_total}), {@code rule}, {@code severity}, {@code stage},
 * {@code decision}, {@code outcome}. Never a pid, query, client address or raw key. Thread-safe.
 */
public final class WatchMetrics {
    static final int MAX_NAMESPACES = 20;
    /** The stages a sample can fail in. */
    public static final List<String> STAGES = List.of("connect", "snapshot", "pgbouncer", "rules", "enforce");

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, TargetMeters> targets = new ConcurrentHashMap<>();

    /** The registry (for {@code /metrics}). */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Prometheus text exposition of every metric. */
    public String scrape() {
        return registry.scrape();
    }

    /** Registers the meters of one target, reading its live state. Idempotent per name. */
    public TargetMeters register(TargetMonitor t) {
        return targets.computeIfAbsent(t.name(), n -> new TargetMeters(t));
    }

    /** Removes a target's meters (after a reload dropped it). */
    public void unregister(String name) {
        TargetMeters m = targets.remove(name);
        if (m != null) {
            m.meters.forEach(registry::remove);
            m.locks.register(List.of(), true);
            m.findings.register(List.of(), true);
        }
    }

    /** The meters of one target. */
    public final class TargetMeters {
        private final String name;
        private final List<Meter> meters = new ArrayList<>();
        private final MultiGauge locks;
        private final MultiGauge findings;
        private final Timer sampleDuration;
        private final Map<String, Counter> errors = new HashMap<>();
        private final Map<Enforcer.Decision, Counter> terminations = new HashMap<>();
        private final Counter droppedNamespaces;
        private final Set<String> seenNamespaces = ConcurrentHashMap.newKeySet();

        private TargetMeters(TargetMonitor t) {
            this.name = t.name();
            Tags tags = Tags.of("target", name);
            gauge("lockwarden.target.up", "1 when the last sample of the target succeeded, 0 when it is down", null,
                    t, m -> m.up() ? 1 : 0);
            gauge("lockwarden.last.sample.timestamp", "Unix time of the last successful sample", "seconds", t,
                    m -> m.lastSuccessEpochSeconds());
            gauge("lockwarden.leader", "1 when this replica holds the target's leader lock and may enforce", null, t,
                    m -> m.leader() ? 1 : 0);
            gauge("lockwarden.sessions.holding", "Sessions holding at least one advisory lock", null, t,
                    m -> stat(m, s -> s.sessionsHolding()));
            gauge("lockwarden.idle.holders", "Sessions holding advisory locks while idle or idle in transaction", null,
                    t, m -> stat(m, s -> s.idleHolders()));
            gauge("lockwarden.blocked.sessions", "Sessions waiting for an advisory lock", null, t,
                    m -> stat(m, s -> s.blockedSessions()));
            gauge("lockwarden.oldest.hold", "Longest advisory lock hold (first seen, or idle since)", "seconds", t,
                    m -> stat(m, s -> s.oldestHold()));
            gauge("lockwarden.oldest.idle.hold", "How long the longest-idle advisory lock holder has been idle",
                    "seconds", t, m -> stat(m, s -> s.oldestIdleHold()));
            gauge("lockwarden.oldest.wait", "Longest current wait for an advisory lock (pg_locks.waitstart)",
                    "seconds", t, m -> stat(m, s -> s.oldestWait()));
            gauge("lockwarden.pooled.connection.locks", "Advisory locks held on PgBouncer server connections "
                    + "shared between clients (transaction or statement pooling)", null, t,
                    m -> stat(m, s -> s.pooledLocks()));
            gauge("lockwarden.lock.table.usage", "Shared lock table entries in use / capacity", "ratio", t,
                    m -> stat(m, s -> s.lockTableRatio() < 0 ? Double.NaN : s.lockTableRatio()));
            gauge("lockwarden.idle.hold.alert.threshold", "Configured age after which an idle holder should alert",
                    "seconds", t, m -> m.config().idleAlertAfter().toMillis() / 1000.0);
            gauge("lockwarden.wait.alert.threshold", "Configured wait after which a blocked session should alert",
                    "seconds", t, m -> m.config().waitAlertAfter().toMillis() / 1000.0);
            locks = MultiGauge.builder("lockwarden.advisory.locks").description(
                    "Advisory lock rows by state (held, waiting), mode, scope and namespace").register(registry);
            findings = MultiGauge.builder("lockwarden.findings").description(
                    "Current findings of the diagnose rules by rule and severity").register(registry);
            sampleDuration = Timer.builder("lockwarden.sample.duration").description("Time to sample one target")
                    .tags(tags).register(registry);
            meters.add(sampleDuration);
            for (String stage : STAGES) {
                Counter c = Counter.builder("lockwarden.sample.errors").description("Failed samples by stage")
                        .tags(tags.and("stage", stage)).register(registry);
                errors.put(stage, c);
                meters.add(c);
            }
            for (Enforcer.Decision d : Enforcer.DECISIONS) {
                Counter c = Counter.builder("lockwarden.terminations").description(
                        "Enforcement decisions by decision and outcome").tags(tags.and("decision", d.decision(),
                        "outcome", d.outcome())).register(registry);
                terminations.put(d, c);
                meters.add(c);
            }
            droppedNamespaces = Counter.builder("lockwarden.label.values.dropped").description(
                    "Label values folded into 'other' to keep label sets bounded").tags(tags.and("label", "namespace"))
                    .register(registry);
            meters.add(droppedNamespaces);
        }

        private void gauge(String metric, String help, String unit, TargetMonitor t,
                           ToDoubleFunction<TargetMonitor> f) {
            Gauge.Builder<TargetMonitor> b = Gauge.builder(metric, t, f).description(help).tag("target", name);
            if (unit != null) {
                b.baseUnit(unit);
            }
            meters.add(b.register(registry));
        }

        private static double stat(TargetMonitor m, ToDoubleFunction<SampleStats> f) {
            SampleStats s = m.up() ? m.stats() : null;
            return s == null ? Double.NaN : f.applyAsDouble(s);
        }

        /** Updates the labelled gauges after a successful sample. */
        void sampled(SampleStats s, long nanos) {
            sampleDuration.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
            Map<List<String>, Integer> rows = new HashMap<>();
            for (Map.Entry<SampleStats.LockGroup, Integer> e : s.lockGroups().entrySet()) {
                SampleStats.LockGroup g = e.getKey();
                String ns = g.namespace().isEmpty() ? "none" : g.namespace();
                if (!ns.equals("none") && !seenNamespaces.contains(ns)) {
                    if (seenNamespaces.size() >= MAX_NAMESPACES) {
                        droppedNamespaces.increment();
                        ns = "other";
                    } else {
                        seenNamespaces.add(ns);
                    }
                }
                rows.merge(List.of(g.state(), g.mode(), g.scope(), ns), e.getValue(), Integer::sum);
            }
            for (String state : List.of("held", "waiting")) {
                rows.putIfAbsent(List.of(state, "exclusive", state.equals("held") ? "session" : "undetermined", "none"), 0);
            }
            List<MultiGauge.Row<?>> lockRows = new ArrayList<>();
            rows.forEach((k, v) -> lockRows.add(MultiGauge.Row.of(Tags.of("target", name, "state", k.get(0), "mode",
                    k.get(1), "scope", k.get(2), "namespace", k.get(3)), v)));
            locks.register(lockRows, true);
            List<MultiGauge.Row<?>> findingRows = new ArrayList<>();
            s.findings().forEach((k, v) -> findingRows.add(MultiGauge.Row.of(Tags.of("target", name, "rule", k.rule(),
                    "severity", k.severity()), v)));
            findings.register(findingRows, true);
        }

        /** Clears the labelled gauges while the target is down. */
        void down() {
            locks.register(List.of(), true);
            findings.register(List.of(), true);
        }

        /** Counts a failed sample stage. */
        void error(String stage) {
            errors.get(stage).increment();
        }

        /** Counts an enforcement decision. */
        void decision(Enforcer.Decision d) {
            Counter c = terminations.get(d);
            if (c != null) {
                c.increment();
            }
        }
    }
}
