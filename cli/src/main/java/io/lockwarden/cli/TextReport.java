package io.lockwarden.cli;

import io.lockwarden.inspect.AdvisoryLockRow;
import io.lockwarden.inspect.Diagnosis;
import io.lockwarden.inspect.Finding;
import io.lockwarden.inspect.SessionInfo;
import io.lockwarden.inspect.Severity;
import io.lockwarden.inspect.Snapshot;
import io.lockwarden.inspect.TerminationVerdict;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The terminal report of {@code diagnose}: a summary line, findings worst first with their fix, then
 * tables of holders and waiters. ANSI colors only when asked (a TTY). Stateless apart from the color
 * flag; thread-safe.
 */
final class TextReport {
    /** Table rows shown per table; the JSON output has all of them. */
    static final int MAX_ROWS = 200;

    private final boolean color;

    TextReport(boolean color) {
        this.color = color;
    }

    /** Renders the whole report, ending with a newline. */
    String render(Diagnosis d, String target) {
        Snapshot s = d.snapshot();
        StringBuilder b = new StringBuilder();
        long holders = s.holderPids().size();
        long waiters = s.waiterPids().size();
        Map<Severity, Long> counts = d.findings().stream()
                .collect(Collectors.groupingBy(Finding::severity, Collectors.counting()));
        b.append(bold("lockwarden diagnose")).append(": PostgreSQL ").append(s.serverVersion()).append(" at ")
                .append(target).append(", ").append(s.takenAt()).append('\n');
        b.append(holders).append(" session(s) hold ").append(s.holders().size()).append(" advisory lock(s), ")
                .append(waiters).append(" waiting; ")
                .append(counts.getOrDefault(Severity.ERROR, 0L)).append(" error(s), ")
                .append(counts.getOrDefault(Severity.WARNING, 0L)).append(" warning(s), ")
                .append(counts.getOrDefault(Severity.INFO, 0L)).append(" info")
                .append(d.hasProblems() ? "" : " — nothing stuck").append('\n');

        for (Finding f : d.findings()) {
            b.append('\n').append(severity(f.severity())).append("  ").append(bold(f.rule()));
            if (!f.pids().isEmpty()) {
                b.append("  pid ").append(f.pids().stream().map(String::valueOf).collect(Collectors.joining(", ")));
            }
            b.append('\n');
            b.append("  ").append(f.message()).append('\n');
            b.append("  fix: ").append(f.fix()).append('\n');
            for (TerminationVerdict v : f.verdicts()) {
                b.append("  terminate ").append(v.pid()).append(": ")
                        .append(v.safe() ? "safe" : "UNSAFE — " + v.risk()).append('\n');
            }
        }

        List<String[]> held = new ArrayList<>();
        List<String[]> waiting = new ArrayList<>();
        Map<Integer, SessionInfo> sessions = s.sessions().stream()
                .collect(Collectors.toMap(SessionInfo::pid, x -> x, (x, y) -> x));
        for (AdvisoryLockRow l : s.locks()) {
            SessionInfo si = sessions.get(l.pid());
            if (l.granted() && held.size() <= MAX_ROWS) {
                held.add(new String[] {l.label(), String.valueOf(l.pid()), app(si), state(si),
                    si == null ? "?" : si.inStateFor(s.takenAt()).map(TextReport::duration).orElse("?"), l.mode()});
            } else if (!l.granted() && waiting.size() <= MAX_ROWS) {
                waiting.add(new String[] {l.label(), String.valueOf(l.pid()), app(si),
                    si == null || si.queryStart() == null ? "?" : duration(Duration.between(si.queryStart(), s.takenAt())),
                    si == null ? "?" : si.blockingPids().stream().map(String::valueOf).collect(Collectors.joining(","))});
            }
        }
        if (!held.isEmpty()) {
            b.append('\n').append(bold("Holders")).append('\n');
            table(b, new String[] {"KEY", "PID", "APP", "STATE", "FOR", "MODE"}, held, s.holders().size());
        }
        if (!waiting.isEmpty()) {
            b.append('\n').append(bold("Waiters")).append('\n');
            table(b, new String[] {"KEY", "PID", "APP", "WAITING FOR", "BEHIND PIDS"}, waiting, s.waiters().size());
        }
        s.pgBouncer().ifPresent(p -> {
            b.append('\n').append(bold("PgBouncer server connections")).append('\n');
            List<String[]> rows = p.servers().stream().map(sv -> new String[] {sv.database(), sv.user(),
                String.valueOf(sv.poolMode()), sv.state(), String.valueOf(sv.remotePid()),
                String.valueOf(s.heldBy(sv.remotePid()).size())}).toList();
            table(b, new String[] {"DATABASE", "USER", "POOL MODE", "STATE", "BACKEND PID", "LOCKS HELD"}, rows,
                    rows.size());
        });
        s.statements().filter(list -> !list.isEmpty()).ifPresent(list -> {
            b.append('\n').append(bold("Advisory lock statements (pg_stat_statements)")).append('\n');
            List<String[]> rows = list.stream().map(st -> new String[] {String.valueOf(st.calls()),
                String.format(java.util.Locale.ROOT, "%.1f", st.meanMillis()),
                String.format(java.util.Locale.ROOT, "%.1f", st.maxMillis()),
                st.query().replaceAll("\\s+", " ")}).toList();
            table(b, new String[] {"CALLS", "MEAN MS", "MAX MS", "QUERY"}, rows, rows.size());
        });
        return b.toString();
    }

    private static void table(StringBuilder b, String[] header, List<String[]> rows, int total) {
        List<String[]> shown = rows.size() > MAX_ROWS ? rows.subList(0, MAX_ROWS) : rows;
        int[] width = new int[header.length];
        for (int i = 0; i < header.length; i++) {
            width[i] = header[i].length();
            for (String[] r : shown) {
                width[i] = Math.min(i == header.length - 1 ? 100 : 40, Math.max(width[i], r[i].length()));
            }
        }
        row(b, header, width);
        for (String[] r : shown) {
            row(b, r, width);
        }
        if (total > shown.size()) {
            b.append("… ").append(total - shown.size()).append(" more rows (use --format json for all)\n");
        }
    }

    private static void row(StringBuilder b, String[] cells, int[] width) {
        for (int i = 0; i < cells.length; i++) {
            String c = cells[i].length() > width[i] ? cells[i].substring(0, width[i] - 1) + "…" : cells[i];
            b.append(c);
            if (i < cells.length - 1) {
                b.append(" ".repeat(width[i] - c.length() + 2));
            }
        }
        b.append('\n');
    }

    private static String app(SessionInfo s) {
        return s == null || s.applicationName() == null || s.applicationName().isEmpty() ? "-" : s.applicationName();
    }

    private static String state(SessionInfo s) {
        if (s == null) {
            return "gone";
        }
        return s.state() == null ? "(hidden)" : s.state();
    }

    static String duration(Duration d) {
        long sec = Math.max(0, d.getSeconds());
        if (sec < 60) {
            return sec + "s";
        }
        if (sec < 3600) {
            return sec / 60 + "m" + sec % 60 + "s";
        }
        return sec / 3600 + "h" + sec % 3600 / 60 + "m";
    }

    private String severity(Severity s) {
        String label = String.format("%-7s", s.name());
        if (!color) {
            return label;
        }
        String code = switch (s) {
            case ERROR -> "\u001b[1;31m";
            case WARNING -> "\u001b[33m";
            case INFO -> "\u001b[36m";
        };
        return code + label + "\u001b[0m";
    }

    private String bold(String s) {
        return color ? "\u001b[1m" + s + "\u001b[0m" : s;
    }
}
