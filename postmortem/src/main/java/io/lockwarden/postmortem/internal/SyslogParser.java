package io.lockwarden.postmortem.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.Year;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads files written by a syslog daemon from PostgreSQL's {@code syslog} destination: {@code Mmm dd hh:mm:ss
 * host ident[pid]: [seq-part] payload} (BSD) or an ISO 8601 timestamp instead (RFC 5424 style, rsyslog's
 * {@code RSYSLOG_FileFormat}). The payload is {@code log_line_prefix} + {@code SEVERITY:  message}, parsed by
 * {@link TextLogParser}; the header supplies time and pid when the prefix has none. BSD timestamps carry no year:
 * the current year (UTC) is assumed. Not thread-safe.
 */
public final class SyslogParser {
    /** Recognises a syslog line of a PostgreSQL process. */
    public static final Pattern LINE = Pattern.compile("^(?:<\\d+>\\d? ?)?(?:(?<bsd>[A-Z][a-z]{2} [ \\d]\\d "
            + "\\d\\d:\\d\\d:\\d\\d)|(?<iso>\\d{4}-\\d\\d-\\d\\dT\\S+)) \\S+ [\\w./-]+\\[(?<pid>\\d+)\\]: "
            + "(?:\\[(?<seq>\\d+)-(?<part>\\d+)\\] ?)?(?<rest>.*)$");
    private static final DateTimeFormatter BSD = DateTimeFormatter.ofPattern("yyyy MMM d HH:mm:ss", Locale.ENGLISH);

    private SyslogParser() {
    }

    /** Reads every line of {@code in}, handing payloads to {@code text}. */
    public static void read(BufferedReader in, TextLogParser text, ReadCounters counters) throws IOException {
        String line;
        long no = 0;
        int year = Year.now(ZoneOffset.UTC).getValue();
        while ((line = in.readLine()) != null) {
            no++;
            counters.line();
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                text.line(line, no, null, 0);
                continue;
            }
            Instant time = m.group("bsd") != null ? bsd(year, m.group("bsd")) : iso(m.group("iso"));
            // Later parts of a split message are DETAIL/STATEMENT lines (with the prefix) or continuations.
            text.line(m.group("rest"), no, time, Integer.parseInt(m.group("pid")));
        }
        text.flush();
    }

    private static Instant bsd(int year, String s) {
        try {
            return LocalDateTime.parse(year + " " + s.replaceAll(" +", " "), BSD).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static Instant iso(String s) {
        try {
            return java.time.OffsetDateTime.parse(s).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
