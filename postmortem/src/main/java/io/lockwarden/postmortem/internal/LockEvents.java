package io.lockwarden.postmortem.internal;

import io.lockwarden.inspect.QueryText;
import io.lockwarden.postmortem.Deadlock;
import io.lockwarden.postmortem.LogEntry;
import io.lockwarden.postmortem.internal.LockEvent.Kind;
import io.lockwarden.postmortem.internal.LockEvent.LockTag;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Recognises the English messages PostgreSQL logs about locks and turns an entry into a {@link LockEvent}, or
 * null for the vast majority of entries that are about something else. Stateless and thread-safe.
 */
public final class LockEvents {
    private static final String TAG = "advisory lock \\[(\\d+),(\\d+),(\\d+),(\\d+)\\]";
    private static final Pattern WAITING = Pattern.compile("^process (\\d+) (?:still waiting for|detected deadlock "
            + "while waiting for|avoided deadlock for) (\\w+) on " + TAG + "(?: by rearranging queue order)? after "
            + "([\\d.]+) ms");
    private static final Pattern ACQUIRED = Pattern.compile("^process (\\d+) acquired (\\w+) on " + TAG
            + " after ([\\d.]+) ms");
    private static final Pattern OTHER_WAIT = Pattern.compile("^process \\d+ still waiting for \\w+ on ");
    private static final Pattern HOLDERS = Pattern.compile("Process(?:es)? holding the lock: ([\\d, ]*)\\. "
            + "Wait queue: ([\\d, ]*)\\.");
    private static final Pattern EDGE = Pattern.compile("Process (\\d+) waits for (\\w+) on (.+?); blocked by "
            + "process (\\d+)\\.");
    private static final Pattern EDGE_TAG = Pattern.compile(TAG);
    private static final Pattern STATEMENT_KEY = Pattern.compile("pg_(?:try_)?advisory(?:_xact)?_lock(?:_shared)?"
            + "\\s*\\(\\s*(-?\\d+)\\s*(?:,\\s*(-?\\d+)\\s*)?\\)", Pattern.CASE_INSENSITIVE);
    private static final Pattern SERVER_END = Pattern.compile("^(?:server process \\(PID \\d+\\) was terminated by "
            + "signal|database system is shut down|terminating any other active server processes)");
    private static final int STATEMENT_CHARS = 300;

    private LockEvents() {
    }

    /** The lock event of an entry, or null when the entry is not about locks. */
    public static LockEvent of(LogEntry e, long seq) {
        String msg = e.message();
        if (msg == null || msg.isEmpty()) {
            return null;
        }
        char c = msg.charAt(0);
        if (c == 'p') {
            if (msg.startsWith("process ")) {
                return process(e, seq, msg);
            }
            return null;
        }
        if (c == 'c' && msg.startsWith("canceling statement due to ")) {
            String why = msg.substring("canceling statement due to ".length());
            if (why.startsWith("lock timeout")) {
                return event(Kind.LOCK_TIMEOUT, e, seq, statementTag(e.statement()), null, null, List.of(), List.of(),
                        "lock timeout", List.of());
            }
            return event(Kind.CANCELED, e, seq, null, null, null, List.of(), List.of(), why, List.of());
        }
        if (c == 'd') {
            if (msg.startsWith("deadlock detected")) {
                return event(Kind.DEADLOCK, e, seq, null, null, null, List.of(), List.of(), null,
                        edges(e.detail()));
            }
            if (msg.startsWith("disconnection: session time")) {
                // Every session of a log_disconnections log ends with one: keep only what the replay reads.
                return new LockEvent(Kind.SESSION_END, seq, e.time(), e.pid(), null, null, null, List.of(), List.of(),
                        "disconnection", List.of(), null, null, null, null);
            }
            if (msg.startsWith("database system is shut down")) {
                return event(Kind.SERVER_RESTART, e, seq, null, null, null, List.of(), List.of(), "server shutdown",
                        List.of());
            }
            return null;
        }
        if (c == 't') {
            if (msg.startsWith("terminating connection due to ") || msg.startsWith("terminating connection because ")) {
                String why = msg.substring(msg.indexOf(' ', "terminating connection ".length() + 1) + 1);
                if (why.startsWith("to ")) {
                    why = why.substring(3);
                }
                return event(Kind.TERMINATED, e, seq, null, null, null, List.of(), List.of(), why, List.of());
            }
            if (SERVER_END.matcher(msg).find()) {
                return event(Kind.SERVER_RESTART, e, seq, null, null, null, List.of(), List.of(), "server crash",
                        List.of());
            }
            return null;
        }
        if (c == 'o' && msg.startsWith("out of shared memory") && e.hint() != null
                && e.hint().contains("max_locks_per_transaction")) {
            return event(Kind.LOCK_TABLE_FULL, e, seq, statementTag(e.statement()), null, null, List.of(), List.of(),
                    null, List.of());
        }
        if (c == 's' && SERVER_END.matcher(msg).find()) {
            return event(Kind.SERVER_RESTART, e, seq, null, null, null, List.of(), List.of(), "server crash",
                    List.of());
        }
        return null;
    }

    private static LockEvent process(LogEntry e, long seq, String msg) {
        Matcher m = WAITING.matcher(msg);
        boolean waiting = m.find();
        if (!waiting) {
            m = ACQUIRED.matcher(msg);
            if (!m.find()) {
                return OTHER_WAIT.matcher(msg).find()
                        ? event(Kind.OTHER_WAIT, e, seq, null, null, null, List.of(), List.of(), null, List.of())
                        : null;
            }
        }
        LockTag tag = new LockTag(Long.parseLong(m.group(3)), Long.parseLong(m.group(4)), Long.parseLong(m.group(5)),
                Integer.parseInt(m.group(6)));
        List<Integer> holders = List.of();
        List<Integer> queue = List.of();
        if (e.detail() != null) {
            Matcher d = HOLDERS.matcher(e.detail());
            if (d.find()) {
                holders = pids(d.group(1));
                queue = pids(d.group(2));
            }
        }
        int pid = Integer.parseInt(m.group(1));
        LogEntry at = e.pid() == 0 ? withPid(e, pid) : e;
        return event(waiting ? Kind.WAIT : Kind.ACQUIRED, at, seq, tag, m.group(2), Double.parseDouble(m.group(7)),
                holders, queue, null, List.of());
    }

    private static LogEntry withPid(LogEntry e, int pid) {
        return new LogEntry(e.time(), pid, e.user(), e.database(), e.application(), e.severity(), e.sqlState(),
                e.message(), e.detail(), e.hint(), e.context(), e.statement(), e.source(), e.line());
    }

    private static LockEvent event(Kind kind, LogEntry e, long seq, LockTag tag, String mode, Double after,
                                   List<Integer> holders, List<Integer> queue, String reason,
                                   List<Deadlock.Edge> edges) {
        String st = QueryText.normalize(e.statement()); // reports show statements with placeholders, never literals
        if (st != null && st.length() > STATEMENT_CHARS) {
            st = st.substring(0, STATEMENT_CHARS) + "...";
        }
        return new LockEvent(kind, seq, e.time(), e.pid(), tag, mode, after, holders, queue, reason, edges, e.user(),
                e.database(), e.application(), st);
    }

    private static List<Integer> pids(String list) {
        List<Integer> out = new ArrayList<>();
        for (String p : list.split("[, ]+")) {
            if (!p.isEmpty()) {
                out.add(Integer.parseInt(p));
            }
        }
        return List.copyOf(out);
    }

    private static List<Deadlock.Edge> edges(String detail) {
        if (detail == null) {
            return List.of();
        }
        List<Deadlock.Edge> out = new ArrayList<>();
        Matcher m = EDGE.matcher(detail);
        while (m.find()) {
            out.add(new Deadlock.Edge(Integer.parseInt(m.group(1)), m.group(2), m.group(3), null,
                    Integer.parseInt(m.group(4))));
        }
        return out;
    }

    /** The tag of an advisory lock edge's lock text, or null when it is another kind of lock. */
    public static LockTag edgeTag(String lock) {
        Matcher m = EDGE_TAG.matcher(lock);
        return m.find() ? new LockTag(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)),
                Long.parseLong(m.group(3)), Integer.parseInt(m.group(4))) : null;
    }

    /** The key a statement's single advisory lock call names (database unknown), or null. */
    static LockTag statementTag(String statement) {
        if (statement == null) {
            return null;
        }
        Matcher m = STATEMENT_KEY.matcher(statement);
        if (!m.find()) {
            return null;
        }
        try {
            if (m.group(2) == null) {
                long k = Long.parseLong(m.group(1));
                return new LockTag(-1, k >>> 32, k & 0xFFFFFFFFL, 1);
            }
            return new LockTag(-1, Integer.parseInt(m.group(1)) & 0xFFFFFFFFL,
                    Integer.parseInt(m.group(2)) & 0xFFFFFFFFL, 2);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
