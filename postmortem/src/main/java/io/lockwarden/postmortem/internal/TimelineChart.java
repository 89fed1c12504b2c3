package io.lockwarden.postmortem.internal;

import io.lockwarden.postmortem.KeyHistory;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * Draws the number of waiting sessions per key over time as an inline SVG step chart, so the HTML report needs
 * no script and no network. Stateless, thread-safe.
 */
public final class TimelineChart {
    /** Most keys drawn; the rest are listed in the tables only. */
    public static final int MAX_KEYS = 10;
    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
        "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
    private static final int W = 900;
    private static final int H = 260;
    private static final int LEFT = 50;
    private static final int RIGHT = 20;
    private static final int TOP = 15;
    private static final int BOTTOM = 40;
    private static final DateTimeFormatter TICK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    private TimelineChart() {
    }

    /** The SVG element (empty string when no key has a timed wait). */
    public static String svg(List<KeyHistory> keys, Instant from, Instant to) {
        List<KeyHistory> drawn = keys.stream().filter(k -> !k.waiting().isEmpty()).limit(MAX_KEYS).toList();
        if (drawn.isEmpty() || from == null || to == null) {
            return "";
        }
        long t0 = from.toEpochMilli();
        long span = Math.max(1, to.toEpochMilli() - t0);
        int max = 1;
        for (KeyHistory k : drawn) {
            max = Math.max(max, k.peakWaiters());
        }
        double plotW = W - LEFT - RIGHT;
        double plotH = H - TOP - BOTTOM;
        StringBuilder sb = new StringBuilder();
        sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"waiting sessions per key over "
                + "time\" viewBox=\"0 0 ").append(W).append(' ').append(H).append("\" width=\"").append(W)
                .append("\" height=\"").append(H).append("\" class=\"chart\">\n");
        sb.append("<rect x=\"").append(LEFT).append("\" y=\"").append(TOP).append("\" width=\"").append(fmt(plotW))
                .append("\" height=\"").append(fmt(plotH)).append("\" fill=\"#fafafa\" stroke=\"#ccc\"/>\n");
        for (int y = 0; y <= max; y += Math.max(1, max / 5)) {
            double py = TOP + plotH - plotH * y / max;
            sb.append("<line x1=\"").append(LEFT).append("\" x2=\"").append(W - RIGHT).append("\" y1=\"")
                    .append(fmt(py)).append("\" y2=\"").append(fmt(py)).append("\" stroke=\"#eee\"/>");
            sb.append("<text x=\"").append(LEFT - 6).append("\" y=\"").append(fmt(py + 4))
                    .append("\" text-anchor=\"end\" font-size=\"11\">").append(y).append("</text>\n");
        }
        for (int i = 0; i <= 4; i++) {
            double px = LEFT + plotW * i / 4;
            sb.append("<text x=\"").append(fmt(px)).append("\" y=\"").append(H - BOTTOM + 16)
                    .append("\" text-anchor=\"middle\" font-size=\"11\">")
                    .append(TICK.format(Instant.ofEpochMilli(t0 + span * i / 4))).append("</text>\n");
        }
        sb.append("<text x=\"").append(LEFT + plotW / 2).append("\" y=\"").append(H - 6)
                .append("\" text-anchor=\"middle\" font-size=\"11\">time (UTC)</text>\n");
        for (int i = 0; i < drawn.size(); i++) {
            KeyHistory k = drawn.get(i);
            String color = COLORS[i % COLORS.length];
            StringBuilder pts = new StringBuilder();
            double lastY = TOP + plotH;
            pts.append(fmt(LEFT)).append(',').append(fmt(lastY));
            for (KeyHistory.WaitingPoint p : k.waiting()) {
                double px = LEFT + plotW * (p.time().toEpochMilli() - t0) / span;
                double py = TOP + plotH - plotH * p.waiting() / max;
                pts.append(' ').append(fmt(px)).append(',').append(fmt(lastY));
                pts.append(' ').append(fmt(px)).append(',').append(fmt(py));
                lastY = py;
            }
            pts.append(' ').append(fmt(W - RIGHT)).append(',').append(fmt(lastY));
            sb.append("<polyline fill=\"none\" stroke-width=\"2\" stroke=\"").append(color).append("\" points=\"")
                    .append(pts).append("\" data-key=\"").append(HtmlRenderer.escape(k.key().label())).append("\">")
                    .append("<title>").append(HtmlRenderer.escape(k.key().label())).append(": peak ")
                    .append(k.peakWaiters()).append(" waiting</title></polyline>\n");
        }
        sb.append("</svg>\n<ul class=\"legend\">");
        for (int i = 0; i < drawn.size(); i++) {
            sb.append("<li><span style=\"background:").append(COLORS[i % COLORS.length]).append("\"></span>")
                    .append(HtmlRenderer.escape(drawn.get(i).key().label())).append(" (peak ")
                    .append(drawn.get(i).peakWaiters()).append(")</li>");
        }
        sb.append("</ul>\n");
        return sb.toString();
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }
}
