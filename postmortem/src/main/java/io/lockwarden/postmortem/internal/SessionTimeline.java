package io.lockwarden.postmortem.internal;

import io.lockwarden.postmortem.Holder;
import io.lockwarden.postmortem.KeyHistory;
import io.lockwarden.postmortem.Report;
import io.lockwarden.postmortem.Termination;
import io.lockwarden.postmortem.Wait;
import io.lockwarden.postmortem.WaitOutcome;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Draws what happened as an inline SVG timeline, one lane per session: the interval each holder is known to have
 * held its keys, each wait as a bar coloured by how it ended, a dashed arrow from each wait to the session that
 * blocked it, and marks for terminations, lock timeouts and deadlocks. No script, no network; every text that came
 * from the log is escaped. Stateless, thread-safe.
 */
public final class SessionTimeline {
    /** Most session lanes drawn; the rest are in the tables only (the chart says how many). */
    public static final int MAX_SESSIONS = 60;
    private static final int W = 1000;
    private static final int LEFT = 130;
    private static final int RIGHT = 20;
    private static final int TOP = 36;
    private static final int LANE = 24;
    private static final int BAR = 12;
    private static final DateTimeFormatter TICK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);
    private static final Map<WaitOutcome, String> COLORS = Map.of(WaitOutcome.ACQUIRED, "#4c78a8",
            WaitOutcome.LOCK_TIMEOUT, "#f58518", WaitOutcome.DEADLOCK, "#e45756", WaitOutcome.CANCELED, "#9d9d9d",
            WaitOutcome.TERMINATED, "#b279a2", WaitOutcome.STILL_WAITING, "#eeca3b", WaitOutcome.UNKNOWN, "#bab0ac");

    private SessionTimeline() {
    }

    /** The chart and its legend as HTML (empty when nothing has a time). */
    public static String html(Report r) {
        Instant from = r.summary().windowStart();
        Instant to = r.summary().windowEnd();
        if (from == null || to == null) {
            return "";
        }
        Map<Integer, String> lanes = new LinkedHashMap<>();
        r.holders().stream().filter(h -> h.firstSeen() != null)
                .sorted(Comparator.comparing(Holder::alsoWaited).thenComparing(Holder::firstSeen))
                .forEach(h -> lanes.putIfAbsent(h.pid(), h.alsoWaited() ? "holder, waiter" : "holder"));
        List<Wait> waits = new ArrayList<>();
        r.keys().forEach(k -> waits.addAll(k.waits()));
        waits.sort(Comparator.comparing((Wait w) -> w.start() != null ? w.start() : w.end(),
                Comparator.nullsLast(Comparator.naturalOrder())));
        waits.forEach(w -> lanes.putIfAbsent(w.pid(), "waiter"));
        r.terminations().forEach(t -> lanes.putIfAbsent(t.pid(), "ended"));
        if (lanes.isEmpty()) {
            return "";
        }
        int hidden = Math.max(0, lanes.size() - MAX_SESSIONS);
        Map<Integer, Integer> row = new LinkedHashMap<>();
        for (int pid : lanes.keySet()) {
            if (row.size() < MAX_SESSIONS) {
                row.put(pid, row.size());
            }
        }
        long t0 = from.toEpochMilli();
        long span = Math.max(1, to.toEpochMilli() - t0);
        int height = TOP + row.size() * LANE + 30;
        Scale x = new Scale(t0, span);
        StringBuilder sb = new StringBuilder();
        sb.append("<svg id=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ").append(W).append(' ')
                .append(height).append("\" width=\"100%\" role=\"img\" aria-label=\"sessions over time\" "
                        + "font-family=\"system-ui,sans-serif\" font-size=\"11\">\n")
                .append("<defs><marker id=\"arrow\" viewBox=\"0 0 6 6\" refX=\"5\" refY=\"3\" markerWidth=\"6\" "
                        + "markerHeight=\"6\" orient=\"auto-start-reverse\"><path d=\"M0,0 L6,3 L0,6 z\" "
                        + "fill=\"#555\"/></marker></defs>\n");
        for (int i = 0; i <= 5; i++) {
            double tx = LEFT + (W - LEFT - RIGHT) * i / 5.0;
            sb.append("<line x1=\"").append(f(tx)).append("\" y1=\"").append(TOP - 6).append("\" x2=\"")
                    .append(f(tx)).append("\" y2=\"").append(height - 26).append("\" stroke=\"#eee\"/>")
                    .append("<text x=\"").append(f(tx)).append("\" y=\"").append(TOP - 12)
                    .append("\" text-anchor=\"").append(i == 0 ? "start" : i == 5 ? "end" : "middle").append("\">")
                    .append(TICK.format(Instant.ofEpochMilli(t0 + span * i / 5))).append("</text>\n");
        }
        for (Map.Entry<Integer, Integer> e : row.entrySet()) {
            int y = TOP + e.getValue() * LANE;
            if (e.getValue() % 2 == 1) {
                sb.append("<rect x=\"0\" y=\"").append(y).append("\" width=\"").append(W).append("\" height=\"")
                        .append(LANE).append("\" fill=\"#fafafa\"/>");
            }
            sb.append("<text class=\"lane\" data-pid=\"").append(e.getKey()).append("\" x=\"4\" y=\"")
                    .append(y + LANE / 2 + 4).append("\"><tspan font-weight=\"bold\">").append(e.getKey())
                    .append("</tspan> ").append(HtmlRenderer.escape(lanes.get(e.getKey()))).append("</text>\n");
        }
        // A holder held its lock at least from the start of the first wait it blocked (it is named only once the
        // wait has lasted deadlock_timeout).
        Map<Integer, Instant> heldFrom = new LinkedHashMap<>();
        for (Wait w : waits) {
            if (w.start() != null) {
                w.holders().forEach(p -> heldFrom.merge(p, w.start(), (a, b) -> a.isBefore(b) ? a : b));
            }
        }
        for (Holder h : r.holders()) {
            Integer lane = row.get(h.pid());
            if (lane == null || h.firstSeen() == null) {
                continue;
            }
            Instant end = h.endFreedWaiters() && h.ended() != null ? h.ended() : h.lastSeen();
            Instant start = heldFrom.getOrDefault(h.pid(), h.firstSeen());
            double x1 = x.at(start.isBefore(h.firstSeen()) ? start : h.firstSeen());
            double x2 = Math.max(x1 + 3, x.at(end == null ? to : end));
            String keys = String.join(", ", h.keys());
            sb.append("<rect class=\"hold\" data-pid=\"").append(h.pid()).append("\" x=\"").append(f(x1))
                    .append("\" y=\"").append(TOP + lane * LANE + (LANE - BAR) / 2 - 2).append("\" width=\"")
                    .append(f(x2 - x1)).append("\" height=\"").append(BAR + 4).append("\" fill=\"#dfe6ee\" "
                            + "stroke=\"#7a8ca3\"><title>").append(h.pid()).append(" holds ")
                    .append(HtmlRenderer.escape(keys)).append(" (known from ").append(TextRenderer.time(start.isBefore(h.firstSeen()) ? start : h.firstSeen()))
                    .append(")</title></rect>")
                    .append("<text x=\"").append(f(x1 + 4)).append("\" y=\"").append(TOP + lane * LANE + LANE / 2 + 4)
                    .append("\" fill=\"#334\">holds ").append(HtmlRenderer.escape(shorten(keys, 40)))
                    .append("</text>\n");
        }
        for (Wait w : waits) {
            Integer lane = row.get(w.pid());
            if (lane == null || w.start() == null && w.end() == null) {
                continue;
            }
            double x1 = x.at(w.start() != null ? w.start() : w.end());
            double x2 = Math.max(x1 + 3, x.at(w.end() != null ? w.end() : to));
            int y = TOP + lane * LANE + (LANE - BAR) / 2;
            sb.append("<rect class=\"wait outcome-").append(w.outcome().label()).append("\" data-pid=\"")
                    .append(w.pid()).append("\" data-key=\"").append(HtmlRenderer.escape(w.key().label()))
                    .append("\" x=\"").append(f(x1)).append("\" y=\"").append(y).append("\" width=\"")
                    .append(f(x2 - x1)).append("\" height=\"").append(BAR).append("\" rx=\"2\" fill=\"")
                    .append(COLORS.getOrDefault(w.outcome(), "#999")).append("\"><title>").append(w.pid())
                    .append(" waited for ").append(HtmlRenderer.escape(w.key().label()))
                    .append(w.holders().isEmpty() ? "" : ", held by " + join(w.holders())).append(": ")
                    .append(w.outcome().label())
                    .append(w.waitedMs() == null ? "" : " after " + ReportAssembler.ms(w.waitedMs()))
                    .append("</title></rect>\n");
            if (w.start() != null) {
                for (int holder : w.holders().stream().limit(3).toList()) {
                    Integer hl = row.get(holder);
                    if (hl == null || hl.equals(lane)) {
                        continue;
                    }
                    int hy = TOP + hl * LANE + LANE / 2 + (hl < lane ? BAR / 2 + 2 : -BAR / 2 - 2);
                    int wy = hl < lane ? y : y + BAR;
                    sb.append("<line class=\"blocked-by\" data-from=\"").append(w.pid()).append("\" data-to=\"")
                            .append(holder).append("\" x1=\"").append(f(x1)).append("\" y1=\"").append(wy)
                            .append("\" x2=\"").append(f(x1)).append("\" y2=\"").append(hy).append("\" stroke=\"#555\" "
                                    + "stroke-dasharray=\"3,2\" marker-end=\"url(#arrow)\"/>\n");
                }
            }
            if (w.end() != null && (w.outcome() == WaitOutcome.LOCK_TIMEOUT || w.outcome() == WaitOutcome.DEADLOCK)) {
                double cx = x.at(w.end());
                int cy = y + BAR / 2;
                if (w.outcome() == WaitOutcome.LOCK_TIMEOUT) {
                    sb.append("<path class=\"mark-timeout\" data-pid=\"").append(w.pid()).append("\" d=\"M")
                            .append(f(cx)).append(',').append(cy - 8).append(" l7,8 l-7,8 l-7,-8 z\" fill=\"#f58518\" "
                                    + "stroke=\"#fff\"><title>lock timeout</title></path>\n");
                } else {
                    sb.append("<circle class=\"mark-deadlock\" data-pid=\"").append(w.pid()).append("\" cx=\"")
                            .append(f(cx)).append("\" cy=\"").append(cy).append("\" r=\"7\" fill=\"#e45756\" "
                                    + "stroke=\"#fff\"><title>deadlock victim</title></circle>\n");
                }
            }
        }
        for (Termination t : r.terminations()) {
            Integer lane = row.get(t.pid());
            if (lane == null || t.time() == null) {
                continue;
            }
            double cx = x.at(t.time());
            int cy = TOP + lane * LANE + LANE / 2;
            sb.append("<path class=\"mark-terminated\" data-pid=\"").append(t.pid()).append("\" d=\"M")
                    .append(f(cx - 6)).append(',').append(cy - 6).append(" l12,12 m0,-12 l-12,12\" stroke=\"#b00020\" "
                            + "stroke-width=\"3\"><title>").append(t.pid()).append(" ended: ")
                    .append(HtmlRenderer.escape(t.reason())).append("</title></path>\n");
        }
        if (hidden > 0) {
            sb.append("<text x=\"4\" y=\"").append(height - 8).append("\">").append(hidden)
                    .append(" more session(s) are in the tables below, not drawn</text>\n");
        }
        sb.append("</svg>\n<ul class=\"legend\">")
                .append("<li><span style=\"background:#dfe6ee;border:1px solid #7a8ca3\"></span>holds (from the first wait "
                        + "it blocked)</li>");
        for (WaitOutcome o : List.of(WaitOutcome.ACQUIRED, WaitOutcome.LOCK_TIMEOUT, WaitOutcome.DEADLOCK,
                WaitOutcome.TERMINATED, WaitOutcome.CANCELED, WaitOutcome.STILL_WAITING)) {
            sb.append("<li><span style=\"background:").append(COLORS.get(o)).append("\"></span>waits, then ")
                    .append(o.label().replace('_', ' ')).append("</li>");
        }
        sb.append("<li><b style=\"color:#b00020\">&#x2715;</b> session ended</li>"
                + "<li><b style=\"color:#f58518\">&#x25C6;</b> lock timeout</li>"
                + "<li><b style=\"color:#e45756\">&#x25CF;</b> deadlock victim</li>"
                + "<li>&#x21E2; dashed arrow: waits for (blocked by)</li></ul>\n");
        return sb.toString();
    }

    private static String join(List<Integer> pids) {
        StringBuilder sb = new StringBuilder();
        pids.forEach(p -> sb.append(sb.length() == 0 ? "" : ", ").append(p));
        return sb.toString();
    }

    private static String shorten(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "\u2026";
    }

    private static String f(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private record Scale(long t0, long span) {
        double at(Instant t) {
            return LEFT + (W - LEFT - RIGHT) * (double) (t.toEpochMilli() - t0) / span;
        }
    }
}
