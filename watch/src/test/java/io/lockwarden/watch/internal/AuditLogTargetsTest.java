package io.lockwarden.watch.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The audit log is opened and appended to, never replaced: links, FIFOs and devices get the lines (issue 21). */
class AuditLogTargetsTest {
    @TempDir
    Path dir;

    @Test
    void aFifoGetsEachLineAndStaysAFifo() throws Exception {
        Path fifo = dir.resolve("audit.fifo");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertThat(mk.waitFor()).isZero();
        CompletableFuture<String> reader = CompletableFuture.supplyAsync(() -> {
            try (BufferedReader in = Files.newBufferedReader(fifo, StandardCharsets.UTF_8)) {
                return in.readLine();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        try (AuditLog log = new AuditLog(fifo)) {
            log.append(AuditLog.entry().put("action", "terminate").put("pid", 4242));
        }
        assertThat(reader.get(30, TimeUnit.SECONDS)).contains("\"pid\":4242");
        assertThat(Files.isRegularFile(fifo)).isFalse();
        assertThat(Files.isDirectory(fifo)).isFalse();
    }

    @Test
    void aSymlinkIsAppendedThroughAndSurvives() throws Exception {
        Path target = Files.writeString(dir.resolve("audit.jsonl"), "{\"earlier\":true}\n");
        Path link = Files.createSymbolicLink(dir.resolve("audit-link.jsonl"), target.getFileName());
        try (AuditLog log = new AuditLog(link)) {
            log.append(AuditLog.entry().put("pid", 7));
        }
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(Files.readAllLines(target)).containsExactly("{\"earlier\":true}", "{\"pid\":7}");
    }

    @Test
    void devNullAcceptsLinesAndADirectoryIsRefusedByName() {
        try (AuditLog log = new AuditLog(Path.of("/dev/null"))) {
            log.append(AuditLog.entry().put("pid", 1));
        }
        assertThat(Files.isRegularFile(Path.of("/dev/null"))).isFalse();
        assertThatThrownBy(() -> new AuditLog(dir)).isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("cannot open the audit log " + dir);
    }
}
