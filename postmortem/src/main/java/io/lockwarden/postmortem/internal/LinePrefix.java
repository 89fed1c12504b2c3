package io.lockwarden.postmortem.internal;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code log_line_prefix} compiled to a pattern that recognises the start of a log line written with it,
 * followed by {@code SEVERITY:  message}. Supports every escape PostgreSQL documents ({@code %a %u %d %r %h %b
 * %p %P %t %m %n %i %e %c %l %s %v %x %q %Q %%}) and padding ({@code %-10u}), as pgBadger's {@code --prefix}
 * does. Immutable and thread-safe; {@link #match(String)} returns a new matcher each time.
 */
public final class LinePrefix {
    private static final String TIME = "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d(?:\\.\\d+)?(?: (?:[A-Za-z]{1,6}|[+-]\\d\\d(?::?\\d\\d)?))?";

    private final String text;
    private final Pattern pattern;
    private final boolean hasTime;
    private final boolean hasPid;
    private final boolean hasDatabase;
    private final java.util.Set<String> groups = new java.util.HashSet<>();

    private LinePrefix(String text) {
        this.text = text;
        StringBuilder re = new StringBuilder("^");
        int optionalGroups = 0;
        boolean time = false;
        boolean pid = false;
        boolean db = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != '%' || i + 1 >= text.length()) {
                re.append(Pattern.quote(String.valueOf(c)));
                continue;
            }
            int j = i + 1;
            boolean padded = false;
            while (j < text.length() && (text.charAt(j) == '-' || Character.isDigit(text.charAt(j)))) {
                padded = true;
                j++;
            }
            if (j >= text.length()) {
                break;
            }
            char e = text.charAt(j);
            i = j;
            if (padded) {
                re.append(" *");
            }
            switch (e) {
                case 'm', 't' -> {
                    re.append(time ? "(?:" + TIME + ")" : group("time", TIME));
                    time = true;
                }
                case 'n' -> {
                    re.append(time ? "(?:\\d+\\.\\d+)" : group("time", "\\d+\\.\\d+"));
                    time = true;
                }
                case 's' -> re.append("(?:" + TIME + ")");
                case 'p' -> {
                    re.append(pid ? "\\d+" : group("pid", "\\d+"));
                    pid = true;
                }
                case 'P' -> re.append("\\d*");
                case 'l' -> re.append("\\d+");
                case 'u' -> re.append(group("user", "\\S*?"));
                case 'd' -> {
                    re.append(group("db", "\\S*?"));
                    db = true;
                }
                case 'a' -> re.append(group("app", ".*?"));
                case 'r', 'h' -> re.append("\\S*?");
                case 'b', 'i' -> re.append(".*?");
                case 'c' -> re.append("[0-9a-f]+\\.[0-9a-f]+");
                case 'v' -> re.append("\\S*?");
                case 'x' -> re.append("\\d*");
                case 'e' -> re.append(group("state", "[0-9A-Z]{5}"));
                case 'Q' -> re.append("-?\\d*");
                case 'q' -> {
                    re.append("(?:");
                    optionalGroups++;
                }
                case '%' -> re.append("%");
                default -> re.append(Pattern.quote("%" + e));
            }
            if (padded) {
                re.append(" *");
            }
        }
        for (int g = 0; g < optionalGroups; g++) {
            re.append(")?");
        }
        re.append("(?<sev>\\p{L}[\\p{L}0-9]*):  (?<msg>.*)$");
        this.pattern = Pattern.compile(re.toString());
        this.hasTime = time;
        this.hasPid = pid;
        this.hasDatabase = db;
    }

    private String group(String name, String body) {
        if (!groups.add(name)) {
            return body;
        }
        return "(?<" + name + ">" + body + ")";
    }

    /**
     * Compiles a {@code log_line_prefix}.
     *
     * @throws IllegalArgumentException when the prefix is null
     */
    public static LinePrefix of(String prefix) {
        if (prefix == null) {
            throw new IllegalArgumentException("log_line_prefix must not be null (use \"\" for an empty prefix)");
        }
        return new LinePrefix(prefix);
    }

    /** A matcher of this prefix on a line; call {@link Matcher#matches()} before reading groups. */
    public Matcher match(String line) {
        return pattern.matcher(line);
    }

    /** The prefix as written in postgresql.conf. */
    public String text() {
        return text;
    }

    /** True when the prefix records a timestamp ({@code %m}, {@code %t} or {@code %n}). */
    public boolean hasTime() {
        return hasTime;
    }

    /** True when the prefix records the pid ({@code %p}). */
    public boolean hasPid() {
        return hasPid;
    }

    /** True when the prefix records the database ({@code %d}). */
    public boolean hasDatabase() {
        return hasDatabase;
    }

    /**
     * A field of a matched line ({@code time pid user db app state sev msg}), or null when the prefix has no such
     * escape, the escape was cut by {@code %q}, or the server wrote it empty or {@code [unknown]}.
     */
    public String value(Matcher m, String name) {
        if (!groups.contains(name) && !name.equals("sev") && !name.equals("msg")) {
            return null;
        }
        String v = m.group(name);
        return v == null || v.isEmpty() || v.equals("[unknown]") ? null : v;
    }
}
