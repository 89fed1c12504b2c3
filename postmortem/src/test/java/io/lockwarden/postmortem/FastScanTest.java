package io.lockwarden.postmortem;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockwarden.postmortem.internal.LinePrefix;
import io.lockwarden.postmortem.internal.LockEvents;
import io.lockwarden.postmortem.internal.PrefixMatcher;
import io.lockwarden.postmortem.internal.ReadCounters;
import io.lockwarden.postmortem.internal.StderrScanner;
import io.lockwarden.postmortem.internal.TextLogParser;
import io.lockwarden.postmortem.internal.Timestamps;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The byte-scanning stderr reader gives what the line-by-line parser gives: the same prefix matches, the same
 * counts and lock entries whatever the buffer size (lines split across buffer boundaries), with CRLF, lone CR,
 * very long and non-ASCII lines, and the same reports from files read on two cores, gzip and stdin. (Lock events,
 * not entries, are compared: a disconnection's entry is built from the prefix match with only what the replay
 * reads.)
 */
class FastScanTest {
    private static final String DEBIAN = "%m [%p] %q%u@%d ";

    @TempDir
    Path dir;

    @Test
    void prefixMatcherFindsWhatTheRegularExpressionFinds() {
        List<String> prefixes = new ArrayList<>(LogReader.KNOWN_PREFIXES);
        prefixes.addAll(List.of("%-10u %a %c %e %n %Q %x %q%l %v %b %i %P %s %% %r %h ", "<%a>%q%u@%d:%p ",
                "%t %z [%p]%q %u ", "%m:%-5p:%d:", "[%n] %e "));
        Random rnd = new Random(7);
        String[] parts = {"2026-12-01 08:51:53.123 UTC", "2026-12-01 08:51:53", "2026-12-01 08:51:53.5 +02:00",
            "2026-12-01 08:51:53 CEST", "1764579600.123", "[unknown]", "12345", "-1", "0", "app", "shop", "a b",
            "5f1.2a", "55P03", "LOG", "ERROR", "DETAIL", "FEHLER", ":  ", ": ", " ", "[", "]", "@", ":", "%", "\t", "x",
            "app@shop", "[123]", "10.0.0.1(5432)", "E1:  "};
        int matched = 0;
        int unsure = 0;
        for (String text : prefixes) {
            LinePrefix prefix = LinePrefix.of(text);
            PrefixMatcher fast = PrefixMatcher.of(prefix);
            for (int n = 0; n < 4000; n++) {
                StringBuilder sb = new StringBuilder();
                if (rnd.nextBoolean()) {
                    sb.append(render(text, rnd, parts)).append(parts[14 + rnd.nextInt(4)]).append(":  msg");
                    if (rnd.nextInt(3) == 0) {
                        sb.insert(rnd.nextInt(sb.length()), parts[rnd.nextInt(parts.length)]);
                    }
                } else {
                    for (int k = rnd.nextInt(8); k >= 0; k--) {
                        sb.append(parts[rnd.nextInt(parts.length)]);
                    }
                }
                String line = sb.toString();
                byte[] b = line.getBytes(StandardCharsets.US_ASCII);
                int r = fast.match(b, 0, b.length);
                Matcher m = line.indexOf(":  ") < 0 ? null : prefix.match(line);
                boolean regex = m != null && m.matches();
                if (r == PrefixMatcher.UNSURE) {
                    unsure++;
                    continue;
                }
                assertThat(r == PrefixMatcher.MATCH).as("'%s' on '%s'", text, line).isEqualTo(regex);
                if (regex) {
                    matched++;
                    assertThat(line.substring(fast.sevStart(), fast.sevEnd())).as(line).isEqualTo(m.group("sev"));
                    assertThat(span(line, fast, PrefixMatcher.TIME)).as("time of " + line)
                            .isEqualTo(raw(prefix, m, "time"));
                    assertThat(span(line, fast, PrefixMatcher.PID)).as("pid of " + line)
                            .isEqualTo(raw(prefix, m, "pid"));
                    assertThat(span(line, fast, PrefixMatcher.DB)).as("db of " + line).isEqualTo(raw(prefix, m, "db"));
                }
            }
        }
        assertThat(matched).as("lines the prefixes matched").isGreaterThan(10_000);
        assertThat(unsure).as("undecided lines").isLessThan(100);
    }

    private static String render(String prefix, Random rnd, String[] parts) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < prefix.length(); i++) {
            char c = prefix.charAt(i);
            if (c != '%' || i + 1 >= prefix.length()) {
                sb.append(c);
                continue;
            }
            int j = i + 1;
            while (j < prefix.length() && (prefix.charAt(j) == '-' || Character.isDigit(prefix.charAt(j)))) {
                j++;
            }
            if (j >= prefix.length()) {
                break;
            }
            char e = prefix.charAt(j);
            i = j;
            sb.append(switch (e) {
                case 'm' -> parts[rnd.nextInt(3)];
                case 't' -> parts[1 + 2 * rnd.nextInt(2)];
                case 'n' -> parts[4];
                case 'p', 'l', 'x', 'P' -> parts[6 + rnd.nextInt(3) * (rnd.nextInt(4) == 0 ? 1 : 0)];
                case 'u', 'd', 'a', 'r', 'h' -> parts[5 + 4 * rnd.nextInt(3)];
                case 'c' -> parts[12];
                case 'e' -> parts[13];
                case 'q' -> "";
                case '%' -> "%";
                default -> parts[rnd.nextInt(parts.length)];
            });
        }
        return sb.toString();
    }

    private static String span(String line, PrefixMatcher m, int slot) {
        return m.start(slot) < 0 ? null : line.substring(m.start(slot), m.end(slot));
    }

    private static String raw(LinePrefix p, Matcher m, String group) {
        try {
            return m.group(group);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    @Test
    void countsAndLockEntriesDoNotDependOnTheBufferSize() throws IOException {
        String text = hostile("\n");
        for (String eol : List.of("\n", "\r\n", "\r")) {
            String log = eol.equals("\n") ? text : text.replace("\n", eol);
            Reference ref = reference(log);
            for (int buffer : new int[] {16, 17, 64, 333, 4096, 1 << 20}) {
                List<LogEntry> candidates = new ArrayList<>();
                StderrScanner scanner = new StderrScanner(LinePrefix.of(DEBIAN), PrefixMatcher.of(LinePrefix.of(DEBIAN)),
                        "-", candidates::add, LogReader.MAX_LINE, buffer, false);
                byte[] bytes = log.getBytes(StandardCharsets.UTF_8);
                ByteArrayInputStream in = new ByteArrayInputStream(bytes);
                scanner.run(in::read, Long.MAX_VALUE);
                String as = "eol " + eol.replace("\r", "CR").replace("\n", "LF") + ", buffer " + buffer;
                assertThat(scanner.lines()).as(as).isEqualTo(ref.counters.lines());
                assertThat(scanner.entries()).as(as).isEqualTo(ref.counters.entries());
                assertThat(scanner.skipped()).as(as).isEqualTo(ref.counters.skipped());
                assertThat(scanner.foreign()).as(as).isEqualTo(ref.counters.foreign());
                List<Object> expected = ref.entries.stream().map(e -> LockEvents.of(e, 0))
                        .filter(java.util.Objects::nonNull).map(Object.class::cast).toList();
                assertThat(candidates.stream().map(e -> LockEvents.of(e, 0)).filter(java.util.Objects::nonNull)
                        .toList()).as(as).isEqualTo(expected);
                assertThat(expected).as(as).hasSizeGreaterThan(20);
            }
        }
    }

    /** Synthetic traffic with what breaks naive readers among it. */
    private static String hostile(String eol) {
        SyntheticLog log = new SyntheticLog(3, eol);
        log.raw("garbage before the first entry").raw("").raw("\t").traffic(50).incident(1001, 1002, 77, 0);
        log.raw("2026-12-01 09:00:00.000 UTC [1003] app@shop LOG:  process 1003 still waiting for ExclusiveLock on "
                + "advisory lock [5,0,78,1] after 1000.0 ms").raw("2026-12-01 09:00:00.000 UTC [1003] app@shop "
                + "DETAIL:  Process holding the lock: 1001. Wait queue: 1003.")
                .raw("2026-12-01 09:00:00.000 UTC [1003] app@shop STATEMENT:  SELECT pg_advisory_lock(78), '"
                        + "x".repeat(300_000) + "'");
        log.raw("2026-12-01 09:00:00.100 UTC [1004] app@shop LOG:  statement: SELECT '" + "y".repeat(200_000) + "'");
        log.raw("2026-12-01 09:00:00.200 UTC [1005] äpp@shöp LOG:  process 1005 still waiting for ShareLock on "
                + "advisory lock [5,0,79,1] after 1000.0 ms").raw("2026-12-01 09:00:00.200 UTC [1005] äpp@shöp "
                + "DETAIL:  Process holding the lock: 1001. Wait queue: 1005.");
        log.raw("2026-12-01 09:00:00.300 UTC [1006] app@shop LOG:  process 1006 still waiting for ExclusiveLock on "
                + "advisory lock [5,0,80,1] after 1000.0 ms\u2028 (a line separator ends no line here)");
        log.raw("2026-12-01 09:00:00.300 UTC [1006] app@shop FEHLER:  Sperrzeitüberschreitung");
        log.raw("2026-12-01 09:00:00.300 UTC [1007] app@shop \u041e\u0428\u0418\u0411\u041a\u0410:  x");
        log.raw("\t2026-12-01 09:00:00.300 UTC [1008] app@shop LOG:  process 1008 acquired (a tab-continued line)");
        log.traffic(200).deadlock(2001, 2002).traffic(30).incident(1001, 1009, 81, 40).traffic(10);
        log.raw("2026-12-01 09:00:01.000 UTC [1010] app@shop FATAL:  terminating connection due to administrator "
                + "command");
        return log.text() + "2026-12-01 09:00:02.000 UTC [1011] app@shop LOG:  process 1011 still waiting for "
                + "ExclusiveLock on advisory lock [5,0,82,1] after 1000.0 ms"; // no final line end
    }

    private record Reference(ReadCounters counters, List<LogEntry> entries) {
    }

    private static Reference reference(String log) throws IOException {
        List<LogEntry> entries = new ArrayList<>();
        ReadCounters counters = new ReadCounters(entries::add);
        TextLogParser parser = new TextLogParser(LinePrefix.of(DEBIAN), "-", new Timestamps(), counters);
        BufferedReader r = new BufferedReader(new StringReader(log));
        String line;
        long no = 0;
        while ((line = r.readLine()) != null) {
            counters.line();
            parser.line(line, ++no, null, 0);
        }
        parser.flush();
        return new Reference(counters, entries);
    }

    @Test
    void reportsOfPlainGzipAndStdinAreTheLineParsersByteForByte() throws IOException {
        Postmortem pm = Postmortem.builder().build();
        for (String eol : List.of("\n", "\r\n")) {
            Path plain = dir.resolve("small" + eol.length() + ".log");
            String text = hostile(eol);
            Files.writeString(plain, text);
            Report fast = ReferenceParse.analyzeBothWays(pm, LogReader.builder().build(), plain);
            assertThat(fast.summary().waits()).isGreaterThanOrEqualTo(5);
            assertThat(fast.summary().deadlocks()).isEqualTo(1);
            Path gz = dir.resolve("small" + eol.length() + ".log.gz");
            try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
                out.write(text.getBytes(StandardCharsets.UTF_8));
            }
            Report fromGzip = ReferenceParse.analyzeBothWays(pm, LogReader.builder().build(), gz);
            try (InputStream in = Files.newInputStream(gz)) {
                Report fromStdin = pm.analyze(LogReader.builder().build(), List.of(Path.of("-")), in);
                assertThat(fromStdin.summary()).isEqualTo(fromGzip.summary());
                assertThat(fromStdin.keys()).isEqualTo(fromGzip.keys());
                assertThat(fromStdin.sources().get(0).lines()).isEqualTo(fromGzip.sources().get(0).lines());
                assertThat(fromStdin.sources().get(0).entries()).isEqualTo(fromGzip.sources().get(0).entries());
            }
        }
    }

    @Test
    void aFileReadOnTwoCoresGivesTheLineParsersReportWhereverTheHalvesMeet() throws IOException {
        Postmortem pm = Postmortem.builder().build();
        // 1. The middle of the file falls inside a lock entry's 400 continuation lines.
        SyntheticLog a = new SyntheticLog(11, "\n").traffic(45_000).incident(1, 2, 5, 0);
        String half = a.text();
        String entry = new SyntheticLog(12, "\n").incident(1, 3, 6, 400).text();
        String other = new SyntheticLog(13, "\n").traffic(45_000).deadlock(7, 8).text();
        Path middle = dir.resolve("middle.log");
        Files.writeString(middle, half + entry + other.substring(0, Math.min(other.length(), half.length()))
                .replaceAll("[^\n]*$", ""));
        assertThat(Files.size(middle)).isGreaterThan(8L << 20);
        Report r = ReferenceParse.analyzeBothWays(pm, LogReader.builder().build(), middle);
        assertThat(r.keys()).extracting(k -> k.key().label()).contains("5", "6");
        // 2. A first half with no entry at all (blank lines, then garbage: skipped lines), then a log.
        Path garbage = dir.resolve("garbage-first.log");
        Files.writeString(garbage, "\n".repeat(300) + "not a log line\n".repeat(600_000) + half);
        Report g = ReferenceParse.analyzeBothWays(pm, LogReader.builder().prefix(DEBIAN).build(), garbage);
        assertThat(g.sources().get(0).skippedLines()).isEqualTo(600_000);
    }

    @Test
    void aTextLogWhosePrefixCarriesClientTextSaysItsLinesCanBeForged() throws IOException {
        // What the server writes when a client that never authenticates names itself with a newline and a fake
        // termination of the holder: the fake line is indistinguishable from a real one.
        String forged = new SyntheticLog(5, "\n").traffic(20).incident(1001, 1002, 77, 0).text()
                + "2026-12-01 09:00:00.000 UTC [666] x\n2026-12-01 09:00:00.001 UTC [1001] app@shop FATAL:  "
                + "terminating connection due to administrator command\n@shop FATAL:  password authentication failed "
                + "for user \"x\"\n";
        Path log = dir.resolve("forged.log");
        Files.writeString(log, forged);
        Report r = ReferenceParse.analyzeBothWays(Postmortem.builder().build(), LogReader.builder().build(), log);
        assertThat(r.limits()).anyMatch(l -> l.startsWith("lines can be forged in " + log)
                && l.contains("jsonlog"));
        Path plain = dir.resolve("no-client-text.log");
        Files.writeString(plain, forged.replace(" app@shop ", " ").replace(" x\n", "\n"));
        Report p = ReferenceParse.analyzeBothWays(Postmortem.builder().build(),
                LogReader.builder().prefix("%m [%p] ").build(), plain);
        assertThat(p.limits()).noneMatch(l -> l.startsWith("lines can be forged"));
    }

    @Test
    void controlCharactersFromTheLogReachNoReportRaw() throws IOException {
        // A database name a client chose (it reaches the prefix before authentication): an escape sequence and a
        // bidi override in it are shown as escapes in the text report (the terminal) and the HTML, never raw.
        String hostile = new SyntheticLog(5, "\n").traffic(20).incident(1001, 1002, 77, 0).text()
                .replace("app@shop", "app@sh\u001b]0;owned\u0007\u202eop");
        Path log = dir.resolve("hostile.log");
        Files.writeString(log, hostile);
        Report r = ReferenceParse.analyzeBothWays(Postmortem.builder().build(), LogReader.builder().build(), log);
        for (ReportFormat f : List.of(ReportFormat.TEXT, ReportFormat.HTML)) {
            String out = f.render(r);
            assertThat(out).as(f.name()).doesNotContain("\u001b").doesNotContain("\u0007").doesNotContain("\u202e");
        }
        assertThat(ReportFormat.TEXT.render(r)).contains("database sh\\x1b]0;owned\\x07\\u202eop");
    }
}
