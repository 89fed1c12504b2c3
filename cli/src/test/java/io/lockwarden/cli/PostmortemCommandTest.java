package io.lockwarden.cli;

import static io.lockwarden.testkit.fixture.LockSessions.exec;
import static io.lockwarden.testkit.fixture.LockSessions.pid;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import io.lockwarden.testkit.fixture.LockSessions;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lockwarden postmortem} on the log of a real server that saw a leaked lock and a timed-out waiter. */
class PostmortemCommandTest {
    private static PostgresServer server;
    private static Path quietLog;
    private static Path incidentLog;
    private static int holder;
    private static int waiter;

    @TempDir
    static Path dir;

    @BeforeAll
    static void logAnIncident() throws Exception {
        server = PostgresServer.builder().setting("logging_collector", "on").setting("log_directory", "log")
                .setting("log_filename", "postgresql.log").setting("log_file_mode", "0644")
                .setting("log_lock_waits", "on").setting("deadlock_timeout", "100ms").start();
        Path log = server.dataDirectory().resolve("log/postgresql.log");
        await(log, "ready to accept connections");
        quietLog = dir.resolve("quiet.log");
        Files.copy(log, quietLog);
        try (LockSessions s = new LockSessions(server)) {
            Connection h = s.open("leaky");
            exec(h, "SELECT pg_advisory_lock(4242)");
            Connection w = s.open("waiter");
            exec(w, "SET lock_timeout = '500ms'");
            try {
                exec(w, "SELECT pg_advisory_lock(4242)");
            } catch (SQLException expected) {
                assertThat(expected.getSQLState()).isEqualTo("55P03");
            }
            holder = pid(h);
            waiter = pid(w);
            exec(h, "DO $$BEGIN RAISE LOG 'cli-test-done'; END$$");
            await(log, "cli-test-done");
        }
        incidentLog = dir.resolve("incident.log");
        Files.copy(log, incidentLog);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static void await(Path file, String needle) throws Exception {
        for (int i = 0; i < 1500; i++) {
            if (Files.exists(file) && Files.readString(file, StandardCharsets.ISO_8859_1).contains(needle)) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError(file + " never contained " + needle);
    }

    private static CliRun run(String... args) {
        return CliRun.run(Map.of(), args);
    }

    @Test
    void anIncidentExitsOneWithTheSummaryFirst() {
        CliRun r = run("postmortem", incidentLog.toString());
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        assertThat(r.out()).startsWith("Advisory lock postmortem");
        assertThat(r.out()).contains("Root holders:  " + holder + " held 4242");
        assertThat(r.out()).contains(waiter + " gave up: lock timeout");
        assertThat(r.out().indexOf("Likely cause:")).isLessThan(r.out().indexOf("Key 4242"));
    }

    @Test
    void aQuietLogExitsZeroAndSaysWhatItCannotShow() {
        CliRun r = run("postmortem", quietLog.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("No advisory lock incident").contains("log_lock_waits");
    }

    @Test
    void jsonOnStdinMatchesTheSchema() throws Exception {
        CliRun r = CliRun.run(Map.of(), false, Files.readString(incidentLog), null, "postmortem", "-", "--format",
                "json");
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        JsonNode doc = new ObjectMapper().readTree(r.out());
        Path root = Path.of("").toAbsolutePath();
        while (!Files.exists(root.resolve("docs/postmortem-json.schema.json"))) {
            root = root.getParent();
        }
        JsonSchema schema;
        try (InputStream in = Files.newInputStream(root.resolve("docs/postmortem-json.schema.json"))) {
            schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(in);
        }
        assertThat(schema.validate(doc)).as(r.out()).isEmpty();
        assertThat(doc.at("/summary/lock_timeouts").asInt()).isEqualTo(1);
        assertThat(doc.at("/keys/0/waits/0/pid").asInt()).isEqualTo(waiter);
        assertThat(doc.at("/sources/0/source").asText()).isEqualTo("-");
    }

    @Test
    void htmlIsOneSelfContainedFileWithTheTimelineChart() throws Exception {
        Path html = dir.resolve("report.html");
        CliRun r = run("postmortem", incidentLog.toString(), "--format", "html", "-o", html.toString());
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        String page = Files.readString(html);
        assertThat(page).startsWith("<!DOCTYPE html>").contains("<svg").contains("data-key=\"4242\"");
        assertThat(page.replace("xmlns=\"http://www.w3.org/2000/svg\"", "")).doesNotContain("http://", "https://",
                "<script", "<link");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    @Test
    void badInputIsOneLineWithExitTwo() throws Exception {
        Path notALog = dir.resolve("notes.txt");
        Files.writeString(notALog, "milk, eggs\n");
        for (String[] args : new String[][] {
            {"postmortem", dir.resolve("missing.log").toString()},
            {"postmortem", notALog.toString()},
            {"postmortem", incidentLog.toString(), "--since", "yesterday"},
            {"postmortem", incidentLog.toString(), "--format", "pdf"},
            {"postmortem"}}) {
            CliRun r = run(args);
            assertThat(r.exit()).as(String.join(" ", args)).isEqualTo(2);
            assertThat(r.err().strip().lines().count()).as(r.err()).isEqualTo(1);
            assertThat(r.err()).startsWith("lockwarden postmortem: ");
            assertThat(r.out()).isEmpty();
        }
    }

    @Test
    void inputWhereNoLineIsALogEntryIsNothingUsableWithExitTwo() throws Exception {
        Path empty = dir.resolve("empty.log");
        Files.writeString(empty, "");
        for (String[] args : new String[][] {
            {"postmortem", empty.toString()},
            {"postmortem", incidentLog.toString(), "--log-format", "jsonlog"}}) {
            CliRun r = run(args);
            assertThat(r.exit()).as(String.join(" ", args) + "\n" + r.out()).isEqualTo(2);
            assertThat(r.err()).startsWith("lockwarden postmortem: nothing usable read");
            assertThat(r.err().strip().lines().count()).as(r.err()).isEqualTo(1);
            assertThat(r.out()).isEmpty();
        }
    }

    @Test
    void overlongLinesAreOneLineWithExitTwoUnderASmallHeap() throws Exception {
        // 64 MiB of NUL bytes, gzip-compressed to a few KB: the shape of a disk that filled with zeros.
        Path zeros = dir.resolve("zeros.log.gz");
        try (java.io.OutputStream out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(zeros))) {
            byte[] block = new byte[1 << 20];
            for (int i = 0; i < 64; i++) {
                out.write(block);
            }
        }
        // A real log followed by one 100 MB line (more than the whole heap).
        Path longLine = dir.resolve("long-line.log");
        Files.copy(incidentLog, longLine);
        try (java.io.OutputStream out = Files.newOutputStream(longLine, java.nio.file.StandardOpenOption.APPEND)) {
            byte[] block = "x".repeat(1 << 20).getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < 100; i++) {
                out.write(block);
            }
            out.write('\n');
        }
        for (Object input : new Object[] {zeros, longLine, Path.of("/dev/zero")}) {
            boolean stdin = input.equals(Path.of("/dev/zero"));
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx96m", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "postmortem",
                    stdin ? "-" : input.toString());
            if (stdin) {
                pb.redirectInput(((Path) input).toFile());
            }
            Path err = dir.resolve("overlong.err");
            pb.redirectError(err.toFile()).redirectOutput(dir.resolve("overlong.out").toFile());
            Process p = pb.start();
            assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).as(input.toString()).isTrue();
            String text = Files.readString(err);
            assertThat(p.exitValue()).as(input + ": " + text).isEqualTo(2);
            assertThat(text).startsWith("lockwarden postmortem: ").contains("longer than 16 MiB")
                    .doesNotContain("OutOfMemoryError").doesNotContain("\tat ");
            assertThat(text.strip().lines().count()).as(text).isEqualTo(1);
            assertThat(Files.size(dir.resolve("overlong.out"))).isZero();
        }
    }

    @Test
    void sinceAfterTheIncidentLeavesNothing() {
        CliRun r = run("postmortem", incidentLog.toString(), "--since", "2999-01-01T00:00:00Z");
        assertThat(r.exit()).as(r.out()).isZero();
    }
}
