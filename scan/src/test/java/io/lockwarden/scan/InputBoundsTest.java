package io.lockwarden.scan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the scanner does with input it cannot or should not hold: unreadable, binary, special and overlong
 * files (issue 21 points 8 and 11). Memory bounds are shown by scanning in a child JVM with a small heap.
 */
class InputBoundsTest {
    @TempDir
    Path dir;

    private ScanResult scan(Path... roots) {
        return Scanner.builder().baseDirectory(dir).build().scan(List.of(roots));
    }

    @Test
    void aNamedBinaryFileIsAnErrorNamingItButInATreeItIsSkippedAndCounted() throws IOException {
        Path blob = dir.resolve("tree/blob.sql");
        Files.createDirectories(blob.getParent());
        Files.write(blob, new byte[] {'s', 'e', 'l', 'e', 'c', 't', 0, 0, 1});
        Files.writeString(dir.resolve("tree/a.sql"), "SET lock_timeout = '1s';\nSELECT pg_advisory_lock(1);\n");

        assertThatThrownBy(() -> scan(blob)).isInstanceOf(ScanException.class)
                .hasMessage("tree/blob.sql is a binary file (it contains NUL bytes): pass source text");
        ScanResult tree = scan(dir.resolve("tree"));
        assertThat(tree.findings()).extracting(f -> f.rule().id()).containsExactly("LW101");
        assertThat(tree.notices()).extracting(Notice::path, Notice::message)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("tree/blob.sql",
                        "is a binary file (it contains NUL bytes); skipped"));
    }

    @Test
    @EnabledOnOs({OS.LINUX, OS.MAC})
    void aDeviceOrFifoIsAnErrorAndIsNeverRead() throws Exception {
        Path fifo = dir.resolve("queries.sql");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertThat(mk.waitFor(10, TimeUnit.SECONDS) && mk.exitValue() == 0).isTrue();

        assertThatThrownBy(() -> scan(fifo)).isInstanceOf(ScanException.class)
                .hasMessageContaining("queries.sql is neither a regular file nor a directory");
        assertThatThrownBy(() -> scan(Path.of("/dev/zero"))).isInstanceOf(ScanException.class)
                .hasMessage("/dev/zero is neither a regular file nor a directory (a device, FIFO or socket): "
                        + "pass a source file or a directory");
    }

    @Test
    void aNamedFileOfAnotherTypeIsAnErrorNotACleanScan() throws IOException {
        Path readme = dir.resolve("README.md");
        Files.writeString(readme, "SELECT pg_advisory_lock(1);\n");

        assertThatThrownBy(() -> scan(readme)).isInstanceOf(ScanException.class)
                .hasMessageStartingWith("README.md is not a file type lockwarden scan reads");
    }

    @Test
    void aFileOverTheCapIsRefusedWhenNamedAndSkippedInATreeWithoutBeingRead() throws IOException {
        Path big = dir.resolve("tree/huge.sql");
        Files.createDirectories(big.getParent());
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(200L << 20); // sparse: 200 MiB that occupy no disk
        }

        assertThatThrownBy(() -> scan(big)).isInstanceOf(ScanException.class)
                .hasMessageStartingWith("tree/huge.sql is larger than 16 MiB");
        assertThat(scan(dir.resolve("tree")).notices()).singleElement()
                .satisfies(n -> assertThat(n.message()).startsWith("is larger than 16 MiB").endsWith("; skipped"));
    }

    /**
     * One line of SQL of 4 MiB with a lock call every 256 bytes, and one of 1 MiB that is nothing but lock
     * calls (75,000 findings), are each scanned in a JVM limited to 64 MiB of heap, and a 200 MiB line is
     * refused by the cap in a JVM limited to 32 MiB. Before, 400 KB took 59 s and 200 MB reached 5.6 GB.
     */
    @Test
    void longLinesAreScannedInBoundedMemoryAndOverlongOnesAreRefused() throws Exception {
        Path sparse = dir.resolve("sparse.sql");
        Path dense = dir.resolve("dense.sql");
        try (Writer w = Files.newBufferedWriter(sparse, StandardCharsets.UTF_8)) {
            String filler = "insert into t values (1, 2, now()); ".repeat(8);
            for (long n = 0; n < 4L << 20; n += 256) {
                w.write("select pg_advisory_lock(" + (n % 1000) + "); ");
                w.write(filler, 0, 256 - 27 - String.valueOf(n % 1000).length());
            }
        }
        try (Writer w = Files.newBufferedWriter(dense, StandardCharsets.UTF_8)) {
            for (long n = 0; n + 28 <= 1L << 20; n += 28) {
                w.write("select pg_advisory_lock(1); ");
            }
        }
        Path huge = dir.resolve("huge.sql");
        try (RandomAccessFile f = new RandomAccessFile(huge.toFile(), "rw")) {
            f.setLength(200L << 20);
        }

        assertThat(child("-Xmx64m", sparse)).isEqualTo("findings=" + 2 * (4 << 20) / 256 + " notices=0");
        assertThat(child("-Xmx64m", dense)).isEqualTo("findings=" + 2 * ((1 << 20) / 28) + " notices=0");
        assertThat(child("-Xmx32m", huge)).startsWith("refused: huge.sql is larger than 16 MiB");
    }

    /** Scans one file in a fresh JVM with the given heap limit; its one line of output. */
    private String child(String xmx, Path file) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                xmx, "-XX:+ExitOnOutOfMemoryError", "-cp", System.getProperty("java.class.path"),
                ScanOneFile.class.getName(), file.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        boolean done = p.waitFor(180, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(done).as("scan of %s finished", file.getFileName()).isTrue();
        assertThat(p.exitValue()).as("child output: %s", out).isZero();
        return out;
    }

    /** Child process entry point: scans one file, prints one line. */
    public static final class ScanOneFile {
        private ScanOneFile() {
        }

        /** Prints {@code findings=N notices=M} or {@code refused: message}. */
        public static void main(String[] args) {
            Path file = Path.of(args[0]).toAbsolutePath();
            try {
                ScanResult r = Scanner.builder().baseDirectory(file.getParent()).threads(1).build()
                        .scan(List.of(file));
                System.out.println("findings=" + r.findings().size() + " notices=" + r.notices().size());
            } catch (ScanException e) {
                System.out.println("refused: " + e.getMessage());
            }
        }
    }
}
