package io.lockwarden.postmortem.internal;

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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Builds the {@link Report} from an {@link IncidentAnalysis}: per-key histories (timeline, waiting sessions over
 * time, peak), the summary with the likely cause, and the list of what the log cannot show. Stateless.
 */
public final class ReportAssembler {
    private ReportAssembler() {
    }

    /** Assembles the report; {@code notes} are limits found while reading (filters, prefixes, language). */
    public static Report assemble(IncidentAnalysis a, List<SourceSummary> sources, List<String> notes,
                                  long eventsDropped) {
        Map<AdvisoryKey, List<Wait>> byKey = new LinkedHashMap<>();
        for (AdvisoryKey k : a.keys()) {
            byKey.put(k, new ArrayList<>());
        }
        for (Wait w : a.waits()) {
            byKey.get(w.key()).add(w);
        }
        List<Termination> terminations = a.terminations();
        List<KeyHistory> histories = new ArrayList<>();
        for (Map.Entry<AdvisoryKey, List<Wait>> e : byKey.entrySet()) {
            if (!e.getValue().isEmpty() || appearsIn(e.getKey(), a.holders())) {
                histories.add(history(e.getKey(), e.getValue(), a, terminations));
            }
        }
        histories.sort(Comparator.comparingInt((KeyHistory h) -> -h.waits().size())
                .thenComparing(h -> h.key().label()));
        Summary summary = summary(a, histories, terminations);
        List<String> limits = limits(a, sources, notes, eventsDropped);
        return new Report(summary, histories, a.holders(), terminations, a.deadlocks(), a.lockTableFull(), limits,
                sources, a.otherLockTimeouts());
    }

    private static boolean appearsIn(AdvisoryKey key, List<Holder> holders) {
        return holders.stream().anyMatch(h -> h.keys().contains(key.label()));
    }

    private static KeyHistory history(AdvisoryKey key, List<Wait> waits, IncidentAnalysis a,
                                      List<Termination> terminations) {
        Set<Integer> holders = new LinkedHashSet<>();
        Map<WaitOutcome, Integer> outcomes = new EnumMap<>(WaitOutcome.class);
        List<TimelineEvent> timeline = new ArrayList<>();
        TreeMap<Instant, Integer> delta = new TreeMap<>();
        Instant first = null;
        Instant end = null;
        for (Wait w : waits) {
            holders.addAll(w.holders());
            outcomes.merge(w.outcome(), 1, Integer::sum);
            if (w.start() != null) {
                first = first == null || w.start().isBefore(first) ? w.start() : first;
                timeline.add(new TimelineEvent(w.start(), "wait", w.pid(), w.pid() + " began waiting for "
                        + w.mode() + (w.holders().isEmpty() ? "" : ", held by " + pids(w.holders()))));
                Instant until = w.end() != null ? w.end() : a.lastEvent();
                if (until != null && until.isAfter(w.start())) {
                    delta.merge(w.start(), 1, Integer::sum);
                    delta.merge(until, -1, Integer::sum);
                }
            }
            Instant t = w.end() != null ? w.end() : a.lastEvent();
            if (t != null) {
                end = end == null || t.isAfter(end) ? t : end;
            }
            timeline.add(new TimelineEvent(w.end(), w.outcome().label(), w.pid(), endText(w)));
        }
        for (Termination t : terminations) {
            if (t.keysHeld().contains(key.label())) {
                timeline.add(new TimelineEvent(t.time(), "holder_ended", t.pid(), "holder " + t.pid() + " ended ("
                        + t.reason() + ")" + (t.freedWaiters().isEmpty() ? "" : ", freeing "
                        + pids(t.freedWaiters()))));
            }
        }
        timeline.sort(Comparator.comparing(TimelineEvent::time, Comparator.nullsLast(Comparator.naturalOrder())));
        if (timeline.size() > Report.MAX_TIMELINE) {
            timeline = new ArrayList<>(timeline.subList(0, Report.MAX_TIMELINE));
        }
        List<KeyHistory.WaitingPoint> series = new ArrayList<>();
        int waiting = 0;
        int peak = 0;
        Instant peakAt = null;
        for (Map.Entry<Instant, Integer> d : delta.entrySet()) {
            waiting += d.getValue();
            series.add(new KeyHistory.WaitingPoint(d.getKey(), waiting));
            if (waiting > peak) {
                peak = waiting;
                peakAt = d.getKey();
            }
        }
        if (peak == 0 && !waits.isEmpty()) {
            peak = 1;
            peakAt = waits.get(0).end();
        }
        return new KeyHistory(key, List.copyOf(holders), waits, outcomes, first, end, peak, peakAt, timeline, series);
    }

    private static String endText(Wait w) {
        String waited = w.waitedMs() == null ? "" : " after " + ms(w.waitedMs());
        return switch (w.outcome()) {
            case ACQUIRED -> w.pid() + " acquired " + w.mode() + waited + (w.freedBy() == null ? ""
                    : " (" + w.freedBy() + ")");
            case LOCK_TIMEOUT -> w.pid() + " gave up: lock timeout" + waited
                    + (w.start() == null ? " (timed out before deadlock_timeout: no wait line logged)" : "");
            case DEADLOCK -> w.pid() + " was the deadlock victim" + waited;
            case CANCELED -> w.pid() + " was canceled" + waited;
            case TERMINATED -> w.pid() + " was terminated while waiting" + waited;
            case STILL_WAITING -> w.pid() + " was still waiting at the end of the log";
            case UNKNOWN -> w.pid() + ": the log does not say how this wait ended";
        };
    }

    private static Summary summary(IncidentAnalysis a, List<KeyHistory> histories, List<Termination> terminations) {
        List<Wait> waits = a.waits();
        int acquired = count(waits, WaitOutcome.ACQUIRED);
        int timeouts = count(waits, WaitOutcome.LOCK_TIMEOUT);
        int canceled = count(waits, WaitOutcome.CANCELED);
        Wait longest = null;
        for (Wait w : waits) {
            if (w.waitedMs() != null && (longest == null || w.waitedMs() > longest.waitedMs())) {
                longest = w;
            }
        }
        KeyHistory peak = null;
        for (KeyHistory h : histories) {
            if (peak == null || h.peakWaiters() > peak.peakWaiters()) {
                peak = h;
            }
        }
        List<Holder> roots = new ArrayList<>();
        for (Holder h : a.holders()) {
            if (!h.alsoWaited()) {
                roots.add(h);
            }
        }
        roots.sort(Comparator.comparing((Holder h) -> h.heldAtLeastMs() == null ? 0 : -h.heldAtLeastMs()));
        List<String> causes = causes(a, roots, waits, timeouts, terminations);
        return new Summary(a.firstEvent(), a.lastEvent(), histories.size(), roots, waits.size(), acquired, timeouts,
                a.deadlocks().size(), canceled, terminations.size(),
                a.lockTableFull() == null ? 0 : a.lockTableFull().count(), longest,
                peak == null ? 0 : peak.peakWaiters(), peak == null ? null : peak.key().label(),
                peak == null ? null : peak.peakAt(), causes.isEmpty() ? "no advisory lock incident in the log"
                        : causes.get(0), causes, a.terminationsLogged());
    }

    private static List<String> causes(IncidentAnalysis a, List<Holder> roots, List<Wait> waits, int timeouts,
                                       List<Termination> terminations) {
        List<String> leaks = new ArrayList<>();
        List<String> others = new ArrayList<>();
        for (Holder h : roots) {
            long blocked = waits.stream().filter(w -> w.holders().contains(h.pid())).count();
            if (blocked == 0) {
                continue;
            }
            long failed = waits.stream().filter(w -> w.holders().contains(h.pid())
                    && (w.outcome() == WaitOutcome.LOCK_TIMEOUT || w.outcome() == WaitOutcome.CANCELED)).count();
            String held = h.heldAtLeastMs() == null ? "" : " for at least " + ms(h.heldAtLeastMs());
            String keys = String.join(", ", h.keys());
            String gaveUp = failed > 0 ? ", " + failed + " waiter(s) gave up" : "";
            if (h.endFreedWaiters()) {
                leaks.add("session " + h.pid() + " held " + keys + held + " and released it only when its session "
                        + "was ended (" + h.endedBy() + "): a leaked or stuck lock; " + blocked + " wait(s) blocked"
                        + gaveUp);
            } else if (h.ended() == null && waits.stream().anyMatch(w -> w.holders().contains(h.pid())
                    && w.outcome() == WaitOutcome.STILL_WAITING)) {
                leaks.add("session " + h.pid() + " still held " + keys + " at the end of the log" + held
                        + " with sessions waiting: a leaked session lock (check it live with lockwarden diagnose)");
            } else if (failed > 0) {
                others.add("session " + h.pid() + " held " + keys + held + gaveUp + ": a hold longer than the "
                        + "waiters' lock_timeout");
            } else {
                others.add("contention on " + keys + ": session " + h.pid() + " held it" + held + " and released it");
            }
        }
        List<String> causes = new ArrayList<>(leaks);
        if (a.lockTableFull() != null) {
            causes.add("the shared lock table was full (" + a.lockTableFull().count() + " 'out of shared memory' "
                    + "errors): a session held too many locks; find it (lockwarden diagnose) or raise "
                    + "max_locks_per_transaction");
        }
        for (Deadlock d : a.deadlocks()) {
            Set<String> keys = new LinkedHashSet<>();
            Set<Integer> pids = new LinkedHashSet<>();
            for (Deadlock.Edge e : d.cycle()) {
                pids.add(e.pid());
                if (e.key() != null) {
                    keys.add(e.key());
                }
            }
            causes.add("deadlock between sessions " + pids(List.copyOf(pids)) + " on " + String.join(", ", keys)
                    + ": they took the keys in different orders; take keys in one fixed order");
        }
        causes.addAll(others);
        if (causes.isEmpty() && timeouts > 0) {
            causes.add(timeouts + " advisory lock wait(s) timed out; the holders' waits are not in the log "
                    + "(holds shorter than deadlock_timeout leave no trace)");
        }
        if (causes.isEmpty() && !waits.isEmpty()) {
            causes.add("contention: " + waits.size() + " advisory lock wait(s) longer than deadlock_timeout");
        }
        return causes;
    }

    /** Escapes of text a client chooses: {@code %u}, {@code %d}, {@code %a}, padded or not. */
    private static final java.util.regex.Pattern CLIENT_TEXT = java.util.regex.Pattern.compile("%-?\\d*[uda]");

    private static List<String> limits(IncidentAnalysis a, List<SourceSummary> sources, List<String> notes,
                                       long dropped) {
        List<String> limits = new ArrayList<>(notes);
        boolean english = sources.stream().allMatch(s -> s.foreignSeverities().isEmpty());
        if (!english) {
            Set<String> words = new LinkedHashSet<>();
            sources.forEach(s -> words.addAll(s.foreignSeverities()));
            limits.add("the log is not in English (severity words " + String.join(", ", words) + "): Lockwarden "
                    + "reads English messages only, so lock events may be missing; have the server log in English "
                    + "with lc_messages = 'C' (ALTER SYSTEM SET lc_messages = 'C'; SELECT pg_reload_conf();)");
        }
        if (a.waits().stream().noneMatch(w -> w.start() != null) && a.otherWaits() == 0) {
            limits.add("no lock waits were logged: if log_lock_waits is off (the default before PostgreSQL 18), "
                    + "waits and their holders are invisible; turn it on with ALTER SYSTEM SET log_lock_waits = on; "
                    + "SELECT pg_reload_conf(); (waits longer than deadlock_timeout are then logged)");
        }
        String threshold = a.shortestLoggedWait() == null ? "deadlock_timeout"
                : "deadlock_timeout (about " + ms(a.shortestLoggedWait()) + " here, the shortest logged wait)";
        limits.add("holds and waits shorter than " + threshold + " leave no trace: sessions that got a lock quickly, "
                + "and holders nobody waited for, are not in this report");
        limits.add("the log names a holder only while someone waits for it: when it took the lock, and when it "
                + "released it without ending its session, are not logged");
        List<String> forgeable = sources.stream().filter(s -> s.prefix() != null
                && CLIENT_TEXT.matcher(s.prefix()).find()).map(SourceSummary::source).distinct().toList();
        if (!forgeable.isEmpty()) {
            limits.add("lines can be forged in " + String.join(", ", forgeable) + ": its log_line_prefix carries "
                    + "%u, %d or %a, text a client chooses (user and database even before it authenticates), so a "
                    + "client can write a whole fake line (a termination, a wait) into its name; the report cannot "
                    + "tell such a line from a real one: log with log_destination = 'jsonlog' or 'csvlog', where "
                    + "that text stays inside one field");
        }
        long skipped = sources.stream().mapToLong(SourceSummary::skippedLines).sum();
        if (skipped > 0) {
            limits.add(skipped + " truncated or garbled line(s) were skipped");
        }
        if (dropped > 0) {
            limits.add(dropped + " lock event(s) past the first " + io.lockwarden.postmortem.Postmortem.MAX_EVENTS
                    + " were not analysed: narrow the window with --since/--until");
        }
        return limits;
    }

    private static int count(List<Wait> waits, WaitOutcome o) {
        return (int) waits.stream().filter(w -> w.outcome() == o).count();
    }

    /** Milliseconds for people: {@code 840 ms}, {@code 2.5 s}, {@code 3 min 20 s}. */
    public static String ms(double ms) {
        if (ms < 1000) {
            return String.format(java.util.Locale.ROOT, "%.0f ms", ms);
        }
        if (ms < 60_000) {
            return String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000);
        }
        Duration d = Duration.ofMillis((long) ms);
        return d.toHours() > 0 ? d.toHours() + " h " + d.toMinutesPart() + " min"
                : d.toMinutes() + " min " + d.toSecondsPart() + " s";
    }

    private static String pids(List<Integer> pids) {
        StringBuilder sb = new StringBuilder();
        for (int p : pids) {
            sb.append(sb.length() == 0 ? "" : ", ").append(p);
        }
        return sb.toString();
    }
}
