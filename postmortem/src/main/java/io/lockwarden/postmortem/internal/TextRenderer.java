package io.lockwarden.postmortem.internal;

import io.lockwarden.inspect.ControlCharacters;
import io.lockwarden.postmortem.Deadlock;
import io.lockwarden.postmortem.Holder;
import io.lockwarden.postmortem.KeyHistory;
import io.lockwarden.postmortem.Report;
import io.lockwarden.postmortem.SourceSummary;
import io.lockwarden.postmortem.Summary;
import io.lockwarden.postmortem.Termination;
import io.lockwarden.postmortem.TimelineEvent;
import io.lockwarden.postmortem.WaitOutcome;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Renders a report for people: the incident summary first, then per-key timelines. Stateless, thread-safe. */
public final class TextRenderer {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS 'UTC'")
            .withZone(ZoneOffset.UTC);

    private TextRenderer() {
    }

    /** The report as text (ends with a newline). */
    public static String render(Report r) {
        StringBuilder sb = new StringBuilder();
        Summary s = r.summary();
        sb.append("Advisory lock postmortem\n");
        sb.append("========================\n");
        if (!r.incident()) {
            sb.append("No advisory lock incident in the log: no advisory lock waits, lock timeouts, deadlocks or "
                    + "lock table exhaustion.\n");
        } else {
            sb.append("Window:        ").append(time(s.windowStart())).append(" .. ").append(time(s.windowEnd()))
                    .append('\n');
            sb.append("Keys:          ").append(s.keys()).append('\n');
            sb.append("Root holders:  ");
            if (s.rootHolders().isEmpty()) {
                sb.append("none named in the log\n");
            } else {
                boolean first = true;
                for (Holder h : s.rootHolders()) {
                    sb.append(first ? "" : "               ").append(holder(h)).append('\n');
                    first = false;
                }
            }
            sb.append("Waits:         ").append(s.waits()).append(" (").append(s.acquired()).append(" acquired, ")
                    .append(s.lockTimeouts()).append(" lock timeout, ").append(s.canceled()).append(" canceled)\n");
            sb.append("Deadlocks:     ").append(s.deadlocks()).append('\n');
            sb.append("Terminations:  ").append(s.terminations()).append(s.terminationsLogged() > s.terminations()
                    ? " (" + s.terminationsLogged() + " logged; the others ended sessions the log never shows holding "
                    + "or waiting)" : "").append('\n');
            if (s.lockTableFull() > 0) {
                sb.append("Lock table full: ").append(s.lockTableFull()).append(" 'out of shared memory' error(s)")
                        .append(" from ").append(time(r.lockTableFull().first())).append(" to ")
                        .append(time(r.lockTableFull().last())).append('\n');
            }
            if (s.longestWait() != null) {
                sb.append("Longest wait:  ").append(ReportAssembler.ms(s.longestWait().waitedMs())).append(" by ")
                        .append(s.longestWait().pid()).append(" for ").append(s.longestWait().key().label())
                        .append(" (").append(s.longestWait().outcome().label()).append(")\n");
            }
            if (s.peakKey() != null) {
                sb.append("Peak waiters:  ").append(s.peakWaiters()).append(" on ").append(s.peakKey()).append(" at ")
                        .append(time(s.peakAt())).append('\n');
            }
            sb.append("Likely cause:  ").append(s.likelyCause()).append('\n');
            for (int i = 1; i < s.causes().size(); i++) {
                sb.append("Also:          ").append(s.causes().get(i)).append('\n');
            }
        }
        for (KeyHistory h : r.keys()) {
            sb.append('\n').append("Key ").append(h.key().label()).append(' ').append(h.key().tag()).append(' ')
                    .append(h.key().form()).append(" form");
            if (h.key().database() != null) {
                sb.append(", database ").append(h.key().database());
            }
            sb.append('\n');
            sb.append("  waits ").append(h.waits().size()).append(':');
            // In the enum's order: Map.copyOf iterates in an order that changes from one JVM run to the next.
            for (WaitOutcome o : WaitOutcome.values()) {
                if (h.outcomes().containsKey(o)) {
                    sb.append(' ').append(o.label()).append(' ').append(h.outcomes().get(o));
                }
            }
            sb.append("; peak ").append(h.peakWaiters()).append(" waiting");
            if (!h.holders().isEmpty()) {
                sb.append("; held by ").append(h.holders().toString().replaceAll("[\\[\\]]", ""));
            }
            sb.append('\n');
            for (TimelineEvent e : h.timeline()) {
                sb.append("  ").append(time(e.time())).append("  ").append(e.text()).append('\n');
            }
            if (h.timeline().size() >= Report.MAX_TIMELINE) {
                sb.append("  (timeline cut at ").append(Report.MAX_TIMELINE).append(" events: use --format json)\n");
            }
        }
        if (!r.terminations().isEmpty()) {
            sb.append("\nTerminations\n");
            for (Termination t : r.terminations()) {
                sb.append("  ").append(time(t.time())).append("  ").append(t.pid()).append(" ended (")
                        .append(t.reason()).append(')');
                if (!t.keysHeld().isEmpty()) {
                    sb.append(", holding ").append(String.join(", ", t.keysHeld()));
                }
                if (t.wasWaiting()) {
                    sb.append(", while waiting");
                }
                sb.append(t.freedWaiters().isEmpty() ? "" : "; freed " + t.freedWaiters().toString()
                        .replaceAll("[\\[\\]]", "")).append('\n');
            }
        }
        if (!r.deadlocks().isEmpty()) {
            sb.append("\nDeadlocks\n");
            for (Deadlock d : r.deadlocks()) {
                sb.append("  ").append(time(d.time())).append("  victim ").append(d.victim()).append('\n');
                for (Deadlock.Edge e : d.cycle()) {
                    sb.append("    ").append(e.pid()).append(" waits for ").append(e.mode()).append(" on ")
                            .append(e.key() != null ? "key " + e.key() : e.lock()).append(", blocked by ")
                            .append(e.blockedBy()).append('\n');
                }
            }
        }
        sb.append("\nWhat the log cannot show\n");
        for (String l : r.limits()) {
            sb.append("  - ").append(l).append('\n');
        }
        sb.append("\nSources\n");
        for (SourceSummary src : r.sources()) {
            sb.append("  ").append(src.source()).append(": ").append(src.format().label())
                    .append(src.gzip() ? " (gzip)" : "")
                    .append(src.prefix() != null ? ", prefix '" + src.prefix() + "'" : "").append(", ")
                    .append(src.lines()).append(" lines, ").append(src.entries()).append(" entries")
                    .append(src.skippedLines() > 0 ? ", " + src.skippedLines() + " skipped" : "").append('\n');
        }
        return printable(sb);
    }

    /**
     * The report with every control character that came from the log (role and application names,
     * statements: a client chooses them) shown as an escape, line by line, so none reaches the terminal raw.
     */
    private static String printable(CharSequence report) {
        // Split on the report's own newlines only: a carriage return inside a name must be escaped, not kept.
        String[] lines = report.toString().split("\n", -1);
        StringBuilder out = new StringBuilder(report.length());
        for (int i = 0; i < lines.length; i++) {
            out.append(ControlCharacters.escape(lines[i]));
            if (i < lines.length - 1) {
                out.append('\n');
            }
        }
        return out.toString();
    }

    private static String holder(Holder h) {
        StringBuilder sb = new StringBuilder();
        sb.append(h.pid()).append(" held ").append(String.join(", ", h.keys()));
        if (h.heldAtLeastMs() != null) {
            sb.append(" for at least ").append(ReportAssembler.ms(h.heldAtLeastMs()));
        }
        sb.append(h.ended() != null ? ", ended " + time(h.ended()) + " (" + h.endedBy() + ")"
                : ", no end in the log");
        return sb.toString();
    }

    /** A time for people, in UTC; {@code ?} when unknown. */
    static String time(Instant t) {
        return t == null ? "?" : TIME.format(t);
    }
}
