package io.lockwarden.cli;

import io.lockwarden.inspect.AdvisoryLockRow;
import io.lockwarden.inspect.ControlCharacters;
import io.lockwarden.inspect.Diagnosis;
import io.lockwarden.inspect.Finding;
import io.lockwarden.inspect.Incident;
import io.lockwarden.inspect.IncidentHolder;
import io.lockwarden.inspect.PreparedTransaction;
import io.lockwarden.inspect.SessionInfo;
import io.lockwarden.inspect.Severity;
import io.lockwarden.inspect.Snapshot;
import io.lockwarden.inspect.TerminationVerdict;
import io.lockwarden.inspect.KeyRanges;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The terminal report of {@code diagnose}, incident first: a summary line, then each {@link Incident}
 * (headline, root-cause evidence, its holders one row per session ordered by impact, who waits, and the
 * one command that ends it), then holders that are not stuck, then server settings advice, one line each.
 * {@code verbose} adds every finding; {@code all} adds the per-lock tables, PgBouncer's server connections
 * and {@code pg_stat_statements}. ANSI colors only when asked (a TTY). Stateless apart from its flags;
 * thread-safe.
 */
final class TextReport {
    /** Table rows shown per table; the JSON output has all of them. */
    static final int MAX_ROWS = 200;
    /** Where the runbook lives; the report's last line points there. */
    static final String RUNBOOK = "docs/runbook.md";

    private final boolean color;
    private final boolean verbose;
    private final boolean all;
    private final java.util.function.UnaryOperator<String> connection;

    /**
     * @param connection the connection options to repeat in printed commands (e.g. {@code --url ...}) for a
     *                   database name (null: the one connected to), or "" when there are none
     */
    TextReport(boolean color, boolean verbose, boolean all, java.util.function.UnaryOperator<String> connection) {
        this.color = color;
        this.verbose = verbose;
        this.all = all;
        this.connection = connection;
    }

    TextReport(boolean color) {
        this(color, false, false, db -> "");
    }

    /** The connection options for a fix command run in {@code database}, with a leading space, or "". */
    private String connectionFor(String database, Snapshot s) {
        String db = database == null || database.equals(s.visibility().database()) ? null : database;
        String args = connection.apply(db);
        return args == null || args.isEmpty() ? "" : " " + args;
    }

    /** Renders the whole report, ending with a newline. */
    String render(Diagnosis d, String target) {
        Snapshot s = d.snapshot();
        StringBuilder b = new StringBuilder();
        Map<Severity, Long> counts = d.findings().stream()
                .collect(Collectors.groupingBy(Finding::severity, Collectors.counting()));
        b.append(bold("lockwarden diagnose")).append(": PostgreSQL ").append(s.serverVersion()).append(" at ")
                .append(target).append(", ").append(s.takenAt()).append('\n');
        int preparedLocks = s.prepared().stream().mapToInt(p -> p.locks().size()).sum();
        b.append(s.holderPids().size()).append(" session(s) hold ").append(s.holders().size())
                .append(" advisory lock(s)");
        if (!s.prepared().isEmpty()) {
            b.append(", ").append(s.prepared().size()).append(" prepared transaction(s) ").append(preparedLocks);
        }
        b.append(", ").append(s.waiterPids().size()).append(" waiting; ")
                .append(d.incidents().size()).append(" incident(s); ")
                .append(counts.getOrDefault(Severity.ERROR, 0L)).append(" error(s), ")
                .append(counts.getOrDefault(Severity.WARNING, 0L)).append(" warning(s), ")
                .append(counts.getOrDefault(Severity.INFO, 0L)).append(" info")
                .append(d.hasProblems() ? "" : " — nothing stuck").append('\n');

        int n = 0;
        for (Incident i : d.incidents()) {
            incident(b, ++n, i, s);
        }
        otherHolders(b, d);
        List<Finding> advice = d.advice();
        if (!advice.isEmpty()) {
            b.append('\n').append(bold("Settings")).append('\n');
            for (Finding f : advice) {
                b.append("  ").append(severity(f.severity())).append(' ').append(f.rule()).append(": ").append(e(f.fix())).append('\n');
            }
        }
        if (verbose) {
            findings(b, d);
        }
        if (all) {
            tables(b, s);
        }
        b.append('\n').append(verbose && all ? "" : "More: " + (verbose ? "" : "--verbose (every finding) ")
                + (all ? "" : "--all (every lock) ") + "--format json (everything). ")
                .append("Runbook: ").append(RUNBOOK).append('\n');
        return b.toString();
    }

    private void incident(StringBuilder b, int n, Incident i, Snapshot s) {
        String elsewhere = i.database() != null && s.visibility().database() != null
                && !i.database().equals(s.visibility().database()) ? " (in database " + e(i.database()) + ")" : "";
        b.append('\n').append(bold(n + ".")).append(' ').append(severity(i.severity())).append(' ').append(e(i.summary()))
                .append(elsewhere).append('\n');
        String why = "  why: ";
        for (Incident.Cause c : i.causes()) {
            int total = Math.max(1, i.holders().size());
            b.append(why).append(e(c.text())).append(" (").append(c.confidence().name().toLowerCase(Locale.ROOT))
                    .append(c.holders() > 0 && total > 1 ? ", " + c.holders() + " of " + total : "").append(")\n");
            why = "       ";
        }
        if (!i.holders().isEmpty()) {
            List<String[]> rows = new ArrayList<>();
            for (IncidentHolder h : i.holders()) {
                rows.add(new String[] {String.valueOf(h.pid()), dash(h.applicationName()), dash(h.user()),
                    dash(h.clientAddr()), h.state() == null ? "(hidden)" : h.state(), duration(h.inState()),
                    String.valueOf(h.lockCount()), h.keysText(), String.valueOf(h.blocking()),
                    h.verdict().safe() ? "yes" : "NO"});
            }
            indentedTable(b, new String[] {"PID", "APP", "USER", "CLIENT", "STATE", "FOR", "LOCKS", "KEYS", "BLOCKS",
                "SAFE"}, rows);
        }
        for (PreparedTransaction p : i.prepared()) {
            b.append("  gid '").append(e(p.gid())).append("'  owner ").append(e(p.owner())).append("  database ")
                    .append(e(p.database())).append("  prepared ").append(p.preparedAt()).append("  keys ")
                    .append(KeyRanges.compact(p.locks().stream().map(AdvisoryLockRow::key).toList(),
                            k -> k.label(), 6)).append('\n');
        }
        if (!i.waiterPids().isEmpty()) {
            b.append("  waiting behind: ").append(pids(i.waiterPids(), 20)).append('\n');
        }
        for (IncidentHolder h : i.unsafeHolders()) {
            b.append("  do not end ").append(h.pid()).append(" blindly: it ").append(e(h.verdict().risk()))
                    .append("; instead ").append(e(h.instead())).append('\n');
        }
        Incident.Remedy r = i.remedy();
        if (r.command() != null) {
            String command = e(r.command()) + connectionFor(i.database(), s);
            b.append("  ").append(bold("fix:")).append(' ').append(command).append('\n');
            b.append("       ").append(e(r.note())).append(r.sql() == null ? "" : "; or in SQL: " + e(r.sql())).append('\n');
        } else {
            b.append("  fix: ").append(e(r.note())).append(r.sql() == null ? "" : " (" + e(r.sql()) + ")").append('\n');
        }
    }

    private static void otherHolders(StringBuilder b, Diagnosis d) {
        Snapshot s = d.snapshot();
        java.util.Set<Integer> inIncidents = new java.util.HashSet<>();
        d.incidents().forEach(i -> {
            i.holders().forEach(h -> inIncidents.add(h.pid()));
            inIncidents.addAll(i.waiterPids());
        });
        List<String[]> rows = new ArrayList<>();
        Map<Integer, List<AdvisoryLockRow>> byPid = s.locksByPid();
        for (int pid : s.holderPids()) {
            if (inIncidents.contains(pid)) {
                continue;
            }
            SessionInfo si = s.session(pid).orElse(null);
            List<io.lockwarden.LockKey> keys = byPid.get(pid).stream().filter(AdvisoryLockRow::granted)
                    .map(AdvisoryLockRow::key).toList();
            rows.add(new String[] {String.valueOf(pid), app(si), state(si),
                si == null ? "?" : si.inStateFor(s.takenAt()).map(TextReport::duration).orElse("?"),
                String.valueOf(keys.size()), KeyRanges.compact(keys, k -> k.label(), 4)});
        }
        if (!rows.isEmpty()) {
            b.append('\n').append("Not stuck (no finding):").append('\n');
            indentedTable(b, new String[] {"PID", "APP", "STATE", "FOR", "LOCKS", "KEYS"}, rows);
        }
    }

    private void findings(StringBuilder b, Diagnosis d) {
        b.append('\n').append(bold("Findings")).append('\n');
        for (Finding f : d.findings()) {
            b.append('\n').append(severity(f.severity())).append("  ").append(bold(f.rule()));
            if (!f.pids().isEmpty()) {
                b.append("  pid ").append(f.pids().stream().map(String::valueOf).collect(Collectors.joining(", ")));
            }
            b.append('\n');
            b.append("  ").append(e(f.message())).append('\n');
            b.append("  fix: ").append(e(f.fix())).append('\n');
            for (TerminationVerdict v : f.verdicts()) {
                b.append("  terminate ").append(v.pid()).append(": ")
                        .append(v.safe() ? "safe" : "UNSAFE — " + e(v.risk())).append('\n');
            }
        }
    }

    private void tables(StringBuilder b, Snapshot s) {
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
        for (PreparedTransaction p : s.prepared()) {
            for (AdvisoryLockRow l : p.locks()) {
                held.add(new String[] {l.label(), "-", "prepared '" + p.gid() + "'", "prepared",
                    duration(p.age(s.takenAt())), l.mode()});
            }
        }
        if (!held.isEmpty()) {
            b.append('\n').append(bold("Holders")).append('\n');
            table(b, new String[] {"KEY", "PID", "APP", "STATE", "FOR", "MODE"}, held, held.size());
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
                String.format(Locale.ROOT, "%.1f", st.meanMillis()),
                String.format(Locale.ROOT, "%.1f", st.maxMillis()),
                st.query().replaceAll("\\s+", " ")}).toList();
            table(b, new String[] {"CALLS", "MEAN MS", "MAX MS", "QUERY"}, rows, rows.size());
        });
    }

    private static void indentedTable(StringBuilder b, String[] header, List<String[]> rows) {
        StringBuilder t = new StringBuilder();
        table(t, header, rows, rows.size());
        t.toString().lines().forEach(l -> b.append("  ").append(l).append('\n'));
    }

    private static String pids(List<Integer> pids, int max) {
        String shown = pids.stream().limit(max).map(String::valueOf).collect(Collectors.joining(", "));
        return pids.size() > max ? shown + ", … (" + pids.size() + ")" : shown;
    }

    private static String dash(String s) {
        return s == null || s.isEmpty() ? "-" : s;
    }

    private static void table(StringBuilder b, String[] header, List<String[]> rows, int total) {
        List<String[]> shown = rows.size() > MAX_ROWS ? rows.subList(0, MAX_ROWS) : rows;
        int[] width = new int[header.length];
        for (int i = 0; i < header.length; i++) {
            width[i] = header[i].length();
            for (String[] r : shown) {
                width[i] = Math.min(i == header.length - 1 ? 100 : 40, Math.max(width[i], e(r[i]).length()));
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
            String cell = e(cells[i]);
            String c = cell.length() > width[i] ? cell.substring(0, width[i] - 1) + "…" : cell;
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

    /** Text from the database, with control characters made visible (see {@link ControlCharacters}). */
    private static String e(String s) {
        return ControlCharacters.escape(s);
    }

    private String bold(String s) {
        return color ? "\u001b[1m" + s + "\u001b[0m" : s;
    }
}
