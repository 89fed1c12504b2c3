package io.lockwarden.postmortem;

import static io.lockwarden.testkit.fixture.LockSessions.exec;
import static io.lockwarden.testkit.fixture.LockSessions.pid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockwarden.testkit.fixture.LockSessions;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading what a real PostgreSQL 18 server logged (one lock timeout behind a holder) in the shapes logs reach
 * people: gzip-compressed, on stdin, truncated, with garbage, relayed by syslog; and refusing what is no log.
 */
class LogReaderTest {
    private static IncidentStage stage;
    private static int holder;
    private static int waiter;
    private static String stderrLog;
    private static String csvLog;

    @TempDir
    Path dir;

    @BeforeAll
    static void logOneLockTimeout() throws Exception {
        stage = new IncidentStage(18, "%m [%p] %q%u@%d ");
        try (LockSessions s = new LockSessions(stage.server)) {
            Connection h = s.open("holder");
            exec(h, "SELECT pg_advisory_lock(5005)");
            Connection w = s.open("waiter");
            exec(w, "SET lock_timeout = '500ms'");
            try {
                exec(w, "SELECT pg_advisory_lock(5005)");
            } catch (SQLException expected) {
                assertThat(expected.getSQLState()).isEqualTo("55P03");
            }
            holder = pid(h);
            waiter = pid(w);
            exec(h, "DO $$BEGIN RAISE LOG '" + IncidentStage.SENTINEL + "'; END$$");
            stage.awaitLog(IncidentStage.SENTINEL);
        }
        IncidentStage.awaitFile(stage.log("csv"), IncidentStage.SENTINEL);
        stderrLog = Files.readString(stage.log("log"));
        csvLog = Files.readString(stage.log("csv"));
    }

    @AfterAll
    static void stopServer() {
        stage.close();
    }

    private static Report analyze(String name, InputStream in) {
        return Postmortem.builder().build().analyze(LogReader.builder().build(), List.of(Path.of("-")), in);
    }

    private static void assertTheTimeout(Report r) {
        Wait w = r.keys().get(0).waits().get(0);
        assertThat(w.pid()).isEqualTo(waiter);
        assertThat(w.key().label()).isEqualTo("5005");
        assertThat(w.outcome()).isEqualTo(WaitOutcome.LOCK_TIMEOUT);
        assertThat(w.holders()).containsExactly(holder);
    }

    @Test
    void gzipLogOnStdinIsReadLikeThePlainFile() throws Exception {
        Path gz = dir.resolve("postgresql.log.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(stderrLog.getBytes(StandardCharsets.UTF_8));
        }
        Report fromFile = Postmortem.builder().build().analyze(LogReader.builder().build(), List.of(gz),
                InputStream.nullInputStream());
        assertThat(fromFile.sources().get(0).gzip()).isTrue();
        assertTheTimeout(fromFile);
        try (InputStream in = Files.newInputStream(gz)) {
            Report fromStdin = analyze("-", in);
            assertThat(fromStdin.sources().get(0).source()).isEqualTo("-");
            assertTheTimeout(fromStdin);
        }
    }

    @Test
    void garbledAndTruncatedLinesAreCountedAndSkipped() {
        String garbled = "\u0000\u0001 binary junk that is no log line\n" + stderrLog + "2026-12-01 10:00:00.000 UT";
        Report r = analyze("-", new ByteArrayInputStream(garbled.getBytes(StandardCharsets.UTF_8)));
        assertTheTimeout(r);
        assertThat(r.sources().get(0).skippedLines()).isEqualTo(1);
        assertThat(r.limits()).anyMatch(l -> l.startsWith("1 truncated or garbled line(s) were skipped"));

        // csvlog cut in the middle of a quoted field: everything before the cut is read.
        int cut = csvLog.indexOf(IncidentStage.SENTINEL);
        Report csv = analyze("-", new ByteArrayInputStream(csvLog.substring(0, cut).getBytes(StandardCharsets.UTF_8)));
        assertThat(csv.sources().get(0).format()).isEqualTo(LogFormat.CSVLOG);
        assertTheTimeout(csv);
        assertThat(csv.sources().get(0).skippedLines()).isEqualTo(1);
    }

    @Test
    void syslogRelayedLinesAreRead() {
        // What rsyslog writes for log_destination = syslog: header, [seq-part], then the prefixed message.
        StringBuilder sb = new StringBuilder();
        int seq = 0;
        for (String line : stderrLog.split("\n")) {
            String rest = line.startsWith("\t") ? line : line;
            sb.append("Dec  1 09:00:00 db1 postgres[").append(pidOf(line)).append("]: [").append(++seq)
                    .append("-1] ").append(rest).append('\n');
        }
        Report r = analyze("-", new ByteArrayInputStream(sb.toString().getBytes(StandardCharsets.UTF_8)));
        assertThat(r.sources().get(0).format()).isEqualTo(LogFormat.SYSLOG);
        assertThat(r.sources().get(0).prefix()).isEqualTo("%m [%p] %q%u@%d ");
        assertTheTimeout(r);
    }

    private static String pidOf(String line) {
        int a = line.indexOf('[');
        int b = line.indexOf(']');
        return a >= 0 && b > a ? line.substring(a + 1, b) : "1";
    }

    @Test
    void aLogInAnotherLanguageIsSaidToBeSo() {
        // The embedded binaries carry no translations, so the German words are put in place of the English ones.
        String german = stderrLog.replace(" LOG:  ", " LOG:  ").replace(" ERROR:  ", " FEHLER:  ")
                .replace(" DETAIL:  ", " DETAIL:  ").replace(" STATEMENT:  ", " ANWEISUNG:  ");
        Report r = analyze("-", new ByteArrayInputStream(german.getBytes(StandardCharsets.UTF_8)));
        assertThat(r.sources().get(0).foreignSeverities()).contains("FEHLER", "ANWEISUNG");
        assertThat(r.limits()).anyMatch(l -> l.startsWith("the log is not in English") && l.contains("lc_messages"));
    }

    @Test
    void aFileThatIsNoServerLogIsRefusedByName() throws Exception {
        Path pom = dir.resolve("notes.txt");
        Files.writeString(pom, "shopping list\nmilk, eggs\n");
        assertThatThrownBy(() -> Postmortem.builder().build().analyze(LogReader.builder().build(), List.of(pom),
                InputStream.nullInputStream()))
                .isInstanceOf(UnreadableLogException.class)
                .hasMessageStartingWith(pom + " is not a PostgreSQL server log")
                .hasMessageContaining("--prefix");
        Path missing = dir.resolve("missing.log");
        assertThatThrownBy(() -> LogReader.builder().build().read(missing, e -> { }))
                .isInstanceOf(UnreadableLogException.class).hasMessageStartingWith(missing + " does not exist");
        assertThatThrownBy(() -> LogReader.builder().prefix("%t [%p]: ").build().read(stage.log("log"), e -> { }))
                .isInstanceOf(UnreadableLogException.class).hasMessageContaining("no line matches --prefix");
    }

    @Test
    void entriesJoinTheirDetailAndStatementLines() {
        List<LogEntry> entries = new ArrayList<>();
        LogReader.builder().build().read(stage.log("log"), entries::add);
        LogEntry wait = entries.stream().filter(e -> e.message().startsWith("process " + waiter + " still waiting"))
                .findFirst().orElseThrow();
        assertThat(wait.pid()).isEqualTo(waiter);
        assertThat(wait.user()).isEqualTo("postgres");
        assertThat(wait.database()).isEqualTo("postgres");
        assertThat(wait.detail()).isEqualTo("Process holding the lock: " + holder + ". Wait queue: " + waiter + ".");
        assertThat(wait.statement()).isEqualTo("SELECT pg_advisory_lock(5005)");
        assertThat(wait.time()).isNotNull();
    }
}
