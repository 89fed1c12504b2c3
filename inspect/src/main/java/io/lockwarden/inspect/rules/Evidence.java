package io.lockwarden.inspect.rules;

import io.lockwarden.LockKey;
import io.lockwarden.inspect.AdvisoryLockRow;
import io.lockwarden.inspect.SessionInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** Wording shared by the rules: durations, key lists and session descriptions. Package-private. */
final class Evidence {
    /** Findings list at most this many keys (a backend may hold thousands); the count is in the evidence. */
    static final int MAX_KEYS = 50;
    /** Messages name at most this many keys. */
    private static final int SHOWN_LABELS = 5;

    private Evidence() {
    }

    static String duration(Duration d) {
        long s = d.getSeconds();
        if (s < 1) {
            return d.toMillis() + "ms";
        }
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return (s / 60) + "m " + (s % 60) + "s";
        }
        if (s < 86400) {
            return (s / 3600) + "h " + (s % 3600 / 60) + "m";
        }
        return (s / 86400) + "d " + (s % 86400 / 3600) + "h";
    }

    static List<LockKey> capped(List<LockKey> keys) {
        return keys.size() <= MAX_KEYS ? keys : keys.subList(0, MAX_KEYS);
    }

    static String labels(List<AdvisoryLockRow> rows) {
        List<LockKey> keys = new ArrayList<>(new TreeSet<>(rows.stream().map(AdvisoryLockRow::key).toList()));
        return labels(rows, keys);
    }

    /**
     * The labels of the first five of {@code keys}, then {@code … (N keys)}; each labelled by its first row, which
     * knows the key's namespace.
     *
     * @param keys the distinct keys of {@code rows}, sorted (as {@link RuleContext#heldKeys(int)} gives them)
     */
    static String labels(List<AdvisoryLockRow> rows, List<LockKey> keys) {
        List<String> shown = new ArrayList<>();
        for (LockKey k : keys.subList(0, Math.min(SHOWN_LABELS, keys.size()))) {
            shown.add(AdvisoryLockRow.label(rows, k));
        }
        String text = String.join(", ", shown);
        return keys.size() > SHOWN_LABELS ? text + ", … (" + keys.size() + " keys)" : text;
    }

    static String who(SessionInfo s) {
        StringBuilder b = new StringBuilder("session ").append(s.pid());
        if (s.applicationName() != null && !s.applicationName().isEmpty()) {
            b.append(" (app '").append(s.applicationName()).append("'");
            if (s.user() != null) {
                b.append(", user ").append(s.user());
            }
            b.append(")");
        } else if (s.user() != null) {
            b.append(" (user ").append(s.user()).append(")");
        }
        return b.toString();
    }

    static String pids(Collection<Integer> pids) {
        return pids.stream().map(String::valueOf).collect(Collectors.joining(", "));
    }

    /** How to end one session: {@code lockwarden release --pid N (or SELECT pg_terminate_backend(N);)}. */
    static String release(int pid) {
        return "lockwarden release --pid " + pid + " (or " + terminateSql(List.of(pid)) + ")";
    }

    static String terminateSql(Collection<Integer> pids) {
        return pids.stream().map(p -> "SELECT pg_terminate_backend(" + p + ");").collect(Collectors.joining(" "));
    }
}
