package io.lockwarden.scan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** File selection, robustness, suppressions and fingerprints of {@link Scanner} on real temp trees. */
class ScannerBehaviourTest {
    private static final String LEAK = "class A {\n  void f(java.sql.Statement st) throws Exception {\n"
            + "    st.execute(\"SET lock_timeout = '1s'\");\n"
            + "    st.execute(\"SELECT pg_advisory_lock(1)\");\n    work();\n  }\n  void work() {}\n}\n";

    @TempDir
    Path dir;

    private ScanResult scan(Path... roots) {
        return Scanner.builder().baseDirectory(dir).build().scan(List.of(roots));
    }

    private void write(String rel, String text) throws IOException {
        Path p = dir.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }

    @Test
    void gitignoredFilesAndBuildOutputAreNotScanned() throws IOException {
        Files.createDirectories(dir.resolve(".git"));
        write(".gitignore", "generated/\n*.gen.java\n!keep.gen.java\n");
        write("src/A.java", LEAK);
        write("generated/B.java", LEAK);
        write("src/C.gen.java", LEAK);
        write("src/keep.gen.java", LEAK);
        write("target/classes/D.java", LEAK);
        write("node_modules/x/e.sql", "SELECT pg_advisory_lock(1);");

        ScanResult r = scan(dir);

        assertThat(r.findings()).extracting(Finding::path).containsExactlyInAnyOrder("src/A.java", "src/keep.gen.java");
    }

    @Test
    void binaryFilesAreSkippedAndUnparseableFilesAreReportedWhileTheRestIsScanned() throws IOException {
        write("src/A.java", LEAK);
        write("src/Broken.java", "class Broken { void f( { pg_advisory_lock }");
        Files.write(dir.resolve("src/blob.sql"), new byte[] {'p', 'g', 0, 1, 2, 'a', 'd', 'v', 'i', 's', 'o', 'r', 'y'});

        ScanResult r = scan(dir);

        assertThat(r.findings()).extracting(Finding::path).containsExactly("src/A.java");
        assertThat(r.notices()).extracting(n -> n.path() + ": " + n.message()).satisfiesExactly(
                m -> assertThat(m).startsWith("src/Broken.java: ").contains("does not parse"),
                m -> assertThat(m).isEqualTo("src/blob.sql: is a binary file (it contains NUL bytes); skipped"));
    }

    @Test
    void symlinksLeavingTheTreeAreNotFollowed(@TempDir Path outside) throws IOException {
        Files.writeString(outside.resolve("Out.java"), LEAK);
        Files.createDirectories(dir.resolve("src"));
        Files.createSymbolicLink(dir.resolve("src/Out.java"), outside.resolve("Out.java"));
        Files.createSymbolicLink(dir.resolve("linked-dir"), outside);

        ScanResult r = scan(dir);

        assertThat(r.findings()).isEmpty();
        assertThat(r.notices()).extracting(Notice::message).anyMatch(m -> m.contains("leaves the scanned tree"));
    }

    @Test
    void inlineSuppressionWithReasonDropsTheFindingAndWithoutReasonIsReported() throws IOException {
        write("a.sql", "SET lock_timeout = '1s';\n"
                + "-- lockwarden:ignore LW101 script runs in a short-lived psql session\n"
                + "SELECT pg_advisory_lock(1);\n"
                + "SELECT pg_advisory_lock(2); -- lockwarden:ignore session-lock-without-release\n");

        ScanResult r = scan(dir);

        assertThat(r.suppressed()).isEqualTo(1);
        assertThat(r.findings()).extracting(f -> f.rule().id() + "@" + f.line())
                .containsExactlyInAnyOrder("LW901@4", "LW101@4");
    }

    @Test
    void fingerprintsSurviveLinesInsertedAboveAndTheBaselineHidesOnlyKnownFindings() throws IOException {
        write("a.sql", "SET lock_timeout = '1s';\nSELECT pg_advisory_lock(1);\n");
        ScanResult before = scan(dir);
        Baseline baseline = Baseline.of(before.findings());
        Path file = dir.resolve("baseline.json");
        Baseline.write(file, before.findings());

        write("a.sql", "-- header\n\nSET lock_timeout = '1s';\nSELECT pg_advisory_lock(1);\nSELECT pg_advisory_lock(3);\n");
        ScanResult after = Scanner.builder().baseDirectory(dir).baseline(Baseline.read(file)).build()
                .scan(List.of(dir));

        assertThat(before.findings()).singleElement().extracting(Finding::line).isEqualTo(2);
        assertThat(baseline.size()).isEqualTo(1);
        assertThat(after.baselined()).isEqualTo(1);
        assertThat(after.findings()).singleElement().satisfies(f -> {
            assertThat(f.line()).isEqualTo(5);
            assertThat(f.rule()).isEqualTo(Rule.SESSION_LOCK_WITHOUT_RELEASE);
        });
    }

    @Test
    void fingerprintsKeepTheirDocumentedFormulaSoOldBaselinesStillMatch() throws Exception {
        write("a.sql", "SET lock_timeout = '1s';\nSELECT   pg_advisory_lock(1);\n");
        byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(
                "LW101\u0000a.sql\u0000SELECT pg_advisory_lock(1);\u00001".getBytes(java.nio.charset.StandardCharsets.UTF_8));

        assertThat(scan(dir).findings()).singleElement().extracting(Finding::fingerprint)
                .isEqualTo(java.util.HexFormat.of().formatHex(d, 0, 16));
    }

    @Test
    void oneThreadAndTwoThreadsGiveTheSameFindings() throws IOException {
        for (int i = 0; i < 20; i++) {
            write("src/A" + i + ".java", LEAK.replace("class A", "class A" + i));
        }
        ScanResult one = Scanner.builder().baseDirectory(dir).threads(1).build().scan(List.of(dir));
        ScanResult two = Scanner.builder().baseDirectory(dir).threads(2).build().scan(List.of(dir));
        assertThat(two.findings()).hasSize(20).isEqualTo(one.findings());
    }

    @Test
    void aMissingPathFailsWithItsName() {
        Path missing = dir.resolve("nope");
        assertThatThrownBy(() -> scan(missing)).isInstanceOf(ScanException.class)
                .hasMessageContaining(missing.toString()).hasMessageContaining("does not exist");
    }
}
