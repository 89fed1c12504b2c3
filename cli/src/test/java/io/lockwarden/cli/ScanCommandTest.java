package io.lockwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import java.util.Map;

/** {@code lockwarden scan}: exit codes, formats, suppression, baseline and bad input, on real temp trees. */
class ScanCommandTest {
    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {
    }

    private Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(CliContext.of(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Map.of()), args);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Path warningOnly() throws Exception {
        Path f = dir.resolve("warn.sql");
        Files.writeString(f, "BEGIN;\nSELECT pg_advisory_xact_lock(1);\nCOMMIT;\n"); // LW104 only
        return f;
    }

    @Test
    void cleanTreeExitsZero() throws Exception {
        Files.writeString(dir.resolve("ok.sql"), "BEGIN;\nSET LOCAL lock_timeout = '1s';\nSELECT pg_advisory_xact_lock(1);\nCOMMIT;\n");
        Run r = run("scan", dir.toString());
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("0 finding(s)");
    }

    @Test
    void findingsExitOneAndPrintPathLineColumnRuleMessage() throws Exception {
        Path f = warningOnly();
        Run r = run("scan", f.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).containsPattern("warn\\.sql:2:8: warning LW104 pg_advisory_xact_lock\\(1\\) waits without lock_timeout");
    }

    @Test
    void failOnErrorIgnoresWarnings() throws Exception {
        Path f = warningOnly();
        assertThat(run("scan", "--fail-on", "error", f.toString()).code()).isZero();
        assertThat(run("scan", "--fail-on", "warning", f.toString()).code()).isEqualTo(1);
    }

    @Test
    void jsonFormatIsTheDocumentedShape() throws Exception {
        Path f = warningOnly();
        Run r = run("scan", "--format", "json", f.toString());
        JsonNode doc = new ObjectMapper().readTree(r.out());
        assertThat(doc.path("schemaVersion").asInt()).isEqualTo(1);
        assertThat(doc.at("/summary/warnings").asInt()).isEqualTo(1);
        JsonNode finding = doc.at("/findings/0");
        assertThat(finding.path("rule").asText()).isEqualTo("LW104");
        assertThat(finding.path("name").asText()).isEqualTo("blocking-lock-without-timeout");
        assertThat(finding.path("line").asInt()).isEqualTo(2);
        assertThat(finding.path("fingerprint").asText()).hasSize(32);
    }

    @Test
    void sarifFormatWritesToTheOutputFile() throws Exception {
        Path f = warningOnly();
        Path report = dir.resolve("out.sarif");
        Run r = run("scan", "--format", "sarif", "-o", report.toString(), f.toString());
        assertThat(r.code()).isEqualTo(1);
        JsonNode doc = new ObjectMapper().readTree(report.toFile());
        assertThat(doc.path("version").asText()).isEqualTo("2.1.0");
        assertThat(doc.at("/runs/0/results/0/ruleId").asText()).isEqualTo("LW104");
    }

    @Test
    void inlineSuppressionWithReasonMakesTheRunClean() throws Exception {
        Path f = dir.resolve("s.sql");
        Files.writeString(f, "BEGIN;\n-- lockwarden:ignore LW104 statement_timeout is set by the role\n"
                + "SELECT pg_advisory_xact_lock(1);\nCOMMIT;\n");
        Run r = run("scan", f.toString());
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("1 suppressed");
    }

    @Test
    void baselineAcceptsOldFindingsAndFailsOnNewOnes() throws Exception {
        Path f = warningOnly();
        Path baseline = dir.resolve("lockwarden-baseline.json");
        assertThat(run("scan", "--write-baseline", baseline.toString(), f.toString()).code()).isZero();
        assertThat(run("scan", "--baseline", baseline.toString(), f.toString()).code()).isZero();

        Files.writeString(f, "-- moved down\nBEGIN;\nSELECT pg_advisory_xact_lock(1);\nSELECT pg_advisory_xact_lock(2);\nCOMMIT;\n");
        Run r = run("scan", "--baseline", baseline.toString(), f.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).contains("warn.sql:4:").doesNotContain("warn.sql:3:").contains("1 baselined");
    }

    @Test
    void nonexistentPathIsOneLineOnStderrAndExitTwo() {
        Run r = run("scan", dir.resolve("missing").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip().lines()).singleElement().asString()
                .contains("missing").contains("does not exist");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void badFormatAndMissingBaselineAreOneLineExitTwo() throws Exception {
        Path f = warningOnly();
        Run fmt = run("scan", "--format", "xml", f.toString());
        assertThat(fmt.code()).isEqualTo(2);
        assertThat(fmt.err().strip().lines()).singleElement().asString().contains("text, json or sarif");
        Run base = run("scan", "--baseline", dir.resolve("none.json").toString(), f.toString());
        assertThat(base.code()).isEqualTo(2);
        assertThat(base.err().strip().lines()).singleElement().asString().contains("--write-baseline");
        Run none = run("scan");
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.err().strip().lines()).singleElement().asString().contains("no PATH");
    }

    @Test
    void inputThatCannotBeScannedExitsTwoWithOneLineInsteadOfClean() throws Exception {
        Path binary = dir.resolve("dump.sql");
        Files.write(binary, new byte[] {'S', 'E', 'L', 0, 0, 7});
        Run bin = run("scan", binary.toString());
        Run zero = run("scan", "/dev/zero");

        assertThat(bin.code()).isEqualTo(2);
        assertThat(bin.out()).isEmpty();
        assertThat(bin.err()).hasLineCount(1).startsWith("lockwarden scan: ")
                .contains("dump.sql is a binary file (it contains NUL bytes): pass source text");
        assertThat(zero.code()).isEqualTo(2);
        assertThat(zero.err()).hasLineCount(1)
                .contains("/dev/zero is neither a regular file nor a directory");
    }
}
