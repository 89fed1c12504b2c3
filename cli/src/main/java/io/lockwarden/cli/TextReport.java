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
    private final TextLayout layout;
    /** Waiters listed per incident in the default view; --all lists every one. */
    static final int WAITER_LINES = 5;

    /**
     * @param connection the connection options to repeat in printed commands (e.g. {@code --url ...}) for a
     *                   database name (null: the one connected to), or "" when there are none
     * @param width      the terminal's width: no line is wider, except a single word longer than it (a URL)
     */
    TextReport(boolean color, boolean verbose, boolean all, java.util.function.UnaryOperator<String> connection,
               int width) {
        this.color = color;
        this.verbose = verbose;
        this.all = all;
        this.connection = connection;
        this.layout = new TextLayout(width);
    }

    TextReport(boolean color) {
        this(color, false, false, db -> "", TerminalWidth.DEFAULT);
    }

    /** The connection options for a fix command run in {@code database}, with a leading space, or "". */
    private String connectionFor(String database, Snapshot s) {
        String db = database == null || database.equals(s.visibility().database()) ? null : database;
        String args = connection.apply(db);
        return args == null || args.isEmpty() ? "" : " " + args;
    }

    private void lines(StringBuilder b, List<String> lines) {
        lines.forEach(l -> b.append(l).append('\n'));
    }

    private void prose(StringBuilder b, String text, String first, String next) {
        lines(b, layout.wrap(text, first, next));
    }

    /** Renders the whole report, ending with a newline. */
    String render(Diagnosis d, String target) {
        Snapshot s = d.snapshot();
        StringBuilder b = new StringBuilder();
        String taken = s.takenAt().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString().replace('T', ' ');
        prose(b, bold("lockwarden diagnose") + ": PostgreSQL " + s.serverVersion() + " at " + e(target) + ", "
                + taken, "", "  ");
        int preparedLocks = s.prepared().stream().mapToInt(p -> p.locks().size()).sum();
        StringBuilder h = new StringBuilder();
        h.append(s.holderPids().size()).append(" session(s) hold ").append(s.holders().size())
                .append(" advisory lock(s)");
        if (!s.prepared().isEmpty()) {
            h.append(", ").append(s.prepared().size()).append(" prepared transaction(s) ").append(preparedLocks);
        }
        h.append(", ").append(s.waiterPids().size()).append(" waiting; ").append(d.incidents().size())
                .append(" incident(s)");
        Map<Severity, Long> bySeverity = d.incidents().stream()
                .collect(Collectors.groupingBy(Incident::severity, Collectors.counting()));
        if (!bySeverity.isEmpty()) {
            h.append(" (").append(java.util.Arrays.stream(Severity.values())
                    .sorted(java.util.Comparator.reverseOrder()).filter(bySeverity::containsKey)
                    .map(v -> bySeverity.get(v) + " " + v.name().toLowerCase(Locale.ROOT))
                    .collect(Collectors.joining(", "))).append(')');
        }
        List<Finding> advice = d.advice();
        if (!advice.isEmpty()) {
            h.append("; ").append(advice.size()).append(" setting(s)");
        }
        h.append(d.hasProblems() ? "" : " — nothing stuck");
        prose(b, h.toString(), "", "  ");

        int n = 0;
        for (Incident i : d.incidents()) {
            incident(b, ++n, i, s);
        }
        otherHolders(b, d);
        if (!advice.isEmpty()) {
            b.append('\n');
            List<String> quiet = new ArrayList<>();
            for (Finding f : advice) {
                if (f.severity().isProblem() || verbose) {
                    prose(b, severity(f.severity()) + " " + f.rule() + ": " + e(f.fix()), "Settings: ",
                            "          ");
                } else {
                    quiet.add(f.rule());
                }
            }
            if (!quiet.isEmpty()) {
                prose(b, String.join(", ", quiet), "Info settings: ", "  ");
            }
        }
        if (verbose) {
            findings(b, d);
        }
        if (all) {
            tables(b, s);
        }
        prose(b, (verbose && all ? "" : "More: " + (verbose ? "" : "--verbose ") + (all ? "" : "--all ")
                + "--format json. ") + "Runbook: " + RUNBOOK, "", "  ");
        return b.toString();
    }

    private void incident(StringBuilder b, int n, Incident i, Snapshot s) {
        String elsewhere = i.database() != null && s.visibility().database() != null
                && !i.database().equals(s.visibility().database()) ? " (in database " + e(i.database()) + ")" : "";
        b.append('\n');
        prose(b, bold(n + ".") + " " + severity(i.severity()) + " " + e(i.summary()) + elsewhere, "", "   ");
        String why = "  why: ";
        for (Incident.Cause c : i.causes()) {
            int total = Math.max(1, i.holders().size());
            String share = c.holders() <= 0 || total <= 1 ? "" : c.holders() == total ? ", all " + total
                    : ", " + c.holders() + " of " + total;
            prose(b, e(c.text()) + " (" + c.confidence().name().toLowerCase(Locale.ROOT) + share + ")", why,
                    "       ");
            why = "       ";
        }
        pooler(b, i, s);
        if (!i.holders().isEmpty()) {
            List<String[]> rows = new ArrayList<>();
            for (IncidentHolder h : i.holders()) {
                rows.add(new String[] {String.valueOf(h.pid()), e(dash(h.applicationName())), e(dash(h.user())),
                    e(dash(h.clientAddr())), h.state() == null ? "(hidden)" : e(h.state()), duration(h.inState()),
                    String.valueOf(h.lockCount()), e(h.keysText()), String.valueOf(h.blocking()),
                    h.verdict().safe() ? "yes" : "NO"});
            }
            lines(b, layout.table("  ", new String[] {"PID", "APP", "USER", "CLIENT", "STATE", "FOR", "LOCKS", "KEYS",
                "BLOCKS", "SAFE"}, rows, new int[] {1, 2, 3, 4, 7}, 6));
        }
        for (PreparedTransaction p : i.prepared()) {
            prose(b, "gid '" + e(p.gid()) + "'  owner " + e(p.owner()) + "  database " + e(p.database())
                    + "  prepared " + p.preparedAt() + "  keys " + e(KeyRanges.compact(p.locks().stream()
                    .map(AdvisoryLockRow::key).toList(), k -> k.label(), 6)), "  ", "    ");
        }
        waiters(b, i, s);
        Incident.Remedy r = i.remedy();
        if (r.command() == null && i.holders().size() == 1 && !i.unsafeHolders().isEmpty()) {
            // one holder that must not be ended: its "instead" is the fix
            IncidentHolder h = i.holders().get(0);
            prose(b, "not by ending " + h.pid() + ": " + e(h.instead()), "  fix: ", "       ");
            return;
        }
        for (IncidentHolder h : i.unsafeHolders()) {
            prose(b, "do not end " + h.pid() + " blindly: it " + e(h.verdict().risk()) + "; instead "
                    + e(h.instead()), "  ", "    ");
        }
        if (r.command() != null) {
            String command = e(r.command()) + connectionFor(i.database(), s);
            lines(b, layout.command(command, "  " + bold("fix:") + " ", "         "));
            prose(b, e(r.note()) + (r.sql() == null ? "" : "; or in SQL: " + e(r.sql())), "       ", "       ");
            needs(b, i, s);
        } else {
            prose(b, e(r.note()) + (r.sql() == null ? "" : " (" + e(r.sql()) + ")"), "  fix: ", "       ");
        }
    }

    /**
     * When this role may not end every session of the fix command: what it needs, for which pids (a superuser's
     * sessions need a superuser; other roles' sessions need pg_signal_backend).
     */
    private void needs(StringBuilder b, Incident i, Snapshot s) {
        java.util.Map<String, List<String>> byMissing = new java.util.TreeMap<>();
        for (int pid : i.remedy().pids()) {
            String owner = s.session(pid).map(SessionInfo::user).orElse(null);
            String missing = s.visibility().missingToTerminate(owner);
            if (missing != null) {
                byMissing.computeIfAbsent(missing, k -> new ArrayList<>()).add(String.valueOf(pid));
            }
        }
        String role = e(s.visibility().role());
        for (Map.Entry<String, List<String>> m : byMissing.entrySet()) {
            String pids = String.join(",", m.getValue());
            prose(b, "superuser".equals(m.getKey())
                    ? "needs a superuser for " + pids + " (sessions of superuser roles): role '" + role + "' cannot run it"
                    : "needs pg_signal_backend for " + pids + ": role '" + role + "' lacks it (GRANT pg_signal_backend TO "
                    + role + ", or run it as a superuser)", "  needs: ", "         ");
        }
    }

    /**
     * Without the console, idle holders that share one client address and role look like a pooler's server
     * connections: say so, and how to confirm it.
     */
    private void pooler(StringBuilder b, Incident i, Snapshot s) {
        if (s.pgBouncer().isPresent() || i.kind() != Incident.Kind.IDLE_SESSION_LOCKS || i.holders().size() < 2) {
            return;
        }
        Map<String, Long> byClient = i.holders().stream().filter(h -> h.clientAddr() != null)
                .collect(Collectors.groupingBy(h -> h.clientAddr() + "\u0000" + h.user(), Collectors.counting()));
        byClient.entrySet().stream().filter(en -> en.getValue() >= 2).max(Map.Entry.comparingByValue()).ifPresent(en -> {
            String client = en.getKey().substring(0, en.getKey().indexOf('\u0000'));
            prose(b, "a pooler is likely: " + en.getValue() + " idle holders share client " + e(client) + "; if it "
                    + "is PgBouncer in transaction pooling, confirm with --pgbouncer postgresql://" + e(client)
                    + ":6432/pgbouncer", "  ", "    ");
        });
    }

    /** Each waiter of the incident with the key it waits for and who holds it, longest wait first. */
    private void waiters(StringBuilder b, Incident i, Snapshot s) {
        if (i.waiterPids().isEmpty()) {
            return;
        }
        List<String> shown = new ArrayList<>();
        List<Integer> pids = new ArrayList<>(i.waiterPids());
        pids.sort(java.util.Comparator.comparing((Integer w) -> s.session(w).map(SessionInfo::queryStart)
                .orElse(s.takenAt())));
        int limit = all ? Integer.MAX_VALUE : WAITER_LINES;
        for (int w : pids) {
            if (shown.size() >= limit) {
                break;
            }
            SessionInfo si = s.session(w).orElse(null);
            List<String> keys = s.locks().stream().filter(l -> l.pid() == w && !l.granted())
                    .map(l -> e(l.label())).distinct().toList();
            String since = si == null || si.queryStart() == null ? ""
                    : " " + duration(Duration.between(si.queryStart(), s.takenAt()));
            String holders = si == null || si.blockingPids().isEmpty() ? "?"
                    : si.blockingPids().stream().map(String::valueOf).collect(Collectors.joining(","));
            shown.add(w + " (" + e(app(si)) + since + ") waits for " + (keys.isEmpty() ? "?" : String.join(", ", keys))
                    + ", held by " + holders);
        }
        String first = "  waits: ";
        for (String line : shown) {
            prose(b, line, first, "         ");
            first = "         ";
        }
        if (pids.size() > shown.size()) {
            prose(b, "… " + (pids.size() - shown.size()) + " more waiting (--all lists them)", first, "         ");
        }
    }

    private void otherHolders(StringBuilder b, Diagnosis d) {
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
            rows.add(new String[] {String.valueOf(pid), e(app(si)), e(state(si)),
                si == null ? "?" : si.inStateFor(s.takenAt()).map(TextReport::duration).orElse("?"),
                String.valueOf(keys.size()), e(KeyRanges.compact(keys, k -> k.label(), 4))});
        }
        if (rows.isEmpty()) {
            return;
        }
        b.append('\n');
        if (rows.size() <= 3 && !all) {
            prose(b, rows.stream().map(r -> r[0] + " " + r[1] + " " + r[2] + " " + r[3] + ", " + r[4] + " lock(s) "
                    + r[5]).collect(Collectors.joining("; ")), "Not stuck (no finding): ", "  ");
        } else {
            b.append("Not stuck (no finding):").append('\n');
            lines(b, layout.table("  ", new String[] {"PID", "APP", "STATE", "FOR", "LOCKS", "KEYS"},
                    rows.size() > MAX_ROWS ? rows.subList(0, MAX_ROWS) : rows, new int[] {1, 5}, 6));
        }
    }

    private void findings(StringBuilder b, Diagnosis d) {
        b.append('\n').append(bold("Findings")).append('\n');
        for (Finding f : d.findings()) {
            b.append('\n');
            prose(b, severity(f.severity()) + "  " + bold(f.rule()) + (f.pids().isEmpty() ? "" : "  pid "
                    + f.pids().stream().map(String::valueOf).collect(Collectors.joining(", "))), "", "  ");
            prose(b, e(f.message()), "  ", "  ");
            prose(b, e(f.fix()), "  fix: ", "       ");
            for (TerminationVerdict v : f.verdicts()) {
                prose(b, "terminate " + v.pid() + ": " + (v.safe() ? "safe" : "UNSAFE — " + e(v.risk())), "  ", "    ");
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

    /** A table of the --all section: cells escaped, the columns shrunk right to left to fit the width. */
    private void table(StringBuilder b, String[] header, List<String[]> rows, int total) {
        List<String[]> shown = (rows.size() > MAX_ROWS ? rows.subList(0, MAX_ROWS) : rows).stream()
                .map(r -> java.util.Arrays.stream(r).map(TextReport::e).toArray(String[]::new)).toList();
        int[] shrinkable = new int[header.length];
        for (int i = 0; i < header.length; i++) {
            shrinkable[i] = header.length - 1 - i;
        }
        lines(b, layout.table("", header, shown, shrinkable, 8));
        if (total > shown.size()) {
            b.append("… ").append(total - shown.size()).append(" more rows (use --format json for all)\n");
        }
    }

    private static String dash(String s) {
        return s == null || s.isEmpty() ? "-" : s;
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
