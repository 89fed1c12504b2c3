package io.lockwarden.postmortem.internal;

import io.lockwarden.inspect.ControlCharacters;
import io.lockwarden.postmortem.Deadlock;
import io.lockwarden.postmortem.Holder;
import io.lockwarden.postmortem.KeyHistory;
import io.lockwarden.postmortem.Report;
import io.lockwarden.postmortem.Summary;
import io.lockwarden.postmortem.Termination;
import io.lockwarden.postmortem.TimelineEvent;

/**
 * Renders a report as one self-contained HTML file: inline CSS, an inline SVG timeline per session ({@link SessionTimeline}), no
 * script and no external resource, so it can be attached to an incident ticket and opened offline.
 * Stateless, thread-safe.
 */
public final class HtmlRenderer {
    private HtmlRenderer() {
    }

    /** The report as an HTML document. */
    public static String render(Report r) {
        Summary s = r.summary();
        StringBuilder sb = new StringBuilder();
        sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<title>Advisory lock postmortem</title>\n<style>"
                + "body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;"
                + "margin:.5em 0 1.5em}td,th{border:1px solid #ddd;padding:.25em .6em;text-align:left;"
                + "vertical-align:top}th{background:#f3f3f3}.cause{font-weight:bold}.legend{list-style:none;"
                + "padding:0}.legend li{display:inline-block;margin-right:1.5em}.legend span{display:inline-block;"
                + "width:1em;height:.6em;margin-right:.4em}code{background:#f5f5f5}"
                + "#timeline{max-width:1000px;display:block;margin:.5em 0}"
                + "</style></head><body>\n");
        sb.append("<h1>Advisory lock postmortem</h1>\n");
        if (!r.incident()) {
            sb.append("<p id=\"verdict\">No advisory lock incident in the log.</p>\n");
        } else {
            sb.append("<p id=\"verdict\" class=\"cause\">Likely cause: ").append(escape(s.likelyCause()))
                    .append("</p>\n");
        }
        sb.append("<table id=\"summary\">");
        row(sb, "Window", TextRenderer.time(s.windowStart()) + " .. " + TextRenderer.time(s.windowEnd()));
        row(sb, "Keys", Integer.toString(s.keys()));
        StringBuilder roots = new StringBuilder();
        for (Holder h : s.rootHolders()) {
            roots.append(roots.length() == 0 ? "" : "; ").append(h.pid()).append(" held ")
                    .append(String.join(", ", h.keys()))
                    .append(h.heldAtLeastMs() == null ? "" : " for at least " + ReportAssembler.ms(h.heldAtLeastMs()))
                    .append(h.ended() == null ? "" : ", ended (" + h.endedBy() + ")");
        }
        row(sb, "Root holders", roots.length() == 0 ? "none named in the log" : roots.toString());
        row(sb, "Waits", s.waits() + " (" + s.acquired() + " acquired, " + s.lockTimeouts() + " lock timeout, "
                + s.canceled() + " canceled)");
        row(sb, "Deadlocks", Integer.toString(s.deadlocks()));
        row(sb, "Terminations", s.terminationsLogged() == s.terminations() ? Integer.toString(s.terminations())
                : s.terminationsLogged() + " logged; " + s.terminations() + " of sessions the log shows holding or "
                + "waiting for advisory locks (it names a holder only while someone waits for it)");
        row(sb, "Lock table full", Long.toString(s.lockTableFull()));
        if (s.longestWait() != null) {
            row(sb, "Longest wait", ReportAssembler.ms(s.longestWait().waitedMs()) + " by " + s.longestWait().pid()
                    + " for " + s.longestWait().key().label() + " (" + s.longestWait().outcome().label() + ")");
        }
        if (s.peakKey() != null) {
            row(sb, "Peak waiters", s.peakWaiters() + " on " + s.peakKey() + " at " + TextRenderer.time(s.peakAt()));
        }
        for (int i = 1; i < s.causes().size(); i++) {
            row(sb, "Also", s.causes().get(i));
        }
        sb.append("</table>\n");
        String chart = SessionTimeline.html(r);
        if (!chart.isEmpty()) {
            sb.append("<h2>What happened, per session</h2>\n").append(chart);
        }
        for (KeyHistory h : r.keys()) {
            sb.append("<h2 class=\"key\">Key ").append(escape(h.key().label())).append(" <code>")
                    .append(escape(h.key().tag())).append("</code></h2>\n<table class=\"timeline\"><tr><th>time (UTC)"
                    + "</th><th>event</th><th>pid</th><th>what happened</th></tr>\n");
            for (TimelineEvent e : h.timeline()) {
                sb.append("<tr><td>").append(TextRenderer.time(e.time())).append("</td><td>").append(escape(e.kind()))
                        .append("</td><td>").append(e.pid()).append("</td><td>").append(escape(e.text()))
                        .append("</td></tr>\n");
            }
            sb.append("</table>\n");
        }
        if (!r.terminations().isEmpty()) {
            sb.append("<h2>Terminations</h2>\n<table><tr><th>time (UTC)</th><th>pid</th><th>reason</th><th>held</th>"
                    + "<th>freed</th></tr>\n");
            for (Termination t : r.terminations()) {
                sb.append("<tr><td>").append(TextRenderer.time(t.time())).append("</td><td>").append(t.pid())
                        .append("</td><td>").append(escape(t.reason())).append("</td><td>")
                        .append(escape(String.join(", ", t.keysHeld()))).append("</td><td>")
                        .append(escape(t.freedWaiters().toString())).append("</td></tr>\n");
            }
            sb.append("</table>\n");
        }
        if (!r.deadlocks().isEmpty()) {
            sb.append("<h2>Deadlocks</h2>\n");
            for (Deadlock d : r.deadlocks()) {
                sb.append("<p>").append(TextRenderer.time(d.time())).append(": victim ").append(d.victim())
                        .append("</p><ul>");
                for (Deadlock.Edge e : d.cycle()) {
                    sb.append("<li>").append(e.pid()).append(" waits for ").append(escape(e.mode())).append(" on ")
                            .append(escape(e.key() != null ? "key " + e.key() : e.lock())).append(", blocked by ")
                            .append(e.blockedBy()).append("</li>");
                }
                sb.append("</ul>\n");
            }
        }
        sb.append("<h2>What the log cannot show</h2>\n<ul>");
        r.limits().forEach(l -> sb.append("<li>").append(escape(l)).append("</li>"));
        sb.append("</ul>\n</body></html>\n");
        return sb.toString();
    }

    private static void row(StringBuilder sb, String name, String value) {
        sb.append("<tr><th>").append(escape(name)).append("</th><td>").append(escape(value)).append("</td></tr>\n");
    }

    /**
     * Escapes text for HTML element content and attribute values; control characters from the log (role and
     * application names, statements) are shown as escapes first, as in the terminal.
     */
    static String escape(String text) {
        if (text == null) {
            return "";
        }
        String s = ControlCharacters.escape(text);
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
