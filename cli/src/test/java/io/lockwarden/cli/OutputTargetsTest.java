package io.lockwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.lockwarden.testkit.fixture.PostgresServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command that writes a file writes through special files and links as Unix tools do, and replaces only
 * regular files (issue 21, point 1): FIFOs, device nodes, symlinks, /dev/stdout, directories, read-only
 * directories, for {@code postmortem -o}, {@code scan -o}, {@code scan --write-baseline} and {@code soak --out}.
 */
class OutputTargetsTest {
    private static final int S_IFMT = 0170000;
    private static final int S_IFCHR = 0020000;
    private static final int S_IFIFO = 0010000;

    @TempDir
    Path dir;
    private Path log;
    private Path source;

    /** A server log in the default stderr format with one advisory wait, and a SQL file with one finding. */
    @BeforeEach
    void inputs() throws IOException {
        log = dir.resolve("postgresql.log");
        Files.writeString(log, String.join("\n",
                "2026-12-01 08:00:00.000 UTC [100] LOG:  database system is ready to accept connections",
                "2026-12-01 08:00:05.000 UTC [201] LOG:  process 201 still waiting for ExclusiveLock on advisory "
                        + "lock [5,0,4242,1] after 1000.050 ms",
                "2026-12-01 08:00:05.000 UTC [201] DETAIL:  Process holding the lock: 200. Wait queue: 201.",
                "2026-12-01 08:00:05.000 UTC [201] STATEMENT:  SELECT pg_advisory_lock(4242)",
                "2026-12-01 08:00:06.000 UTC [201] ERROR:  canceling statement due to lock timeout",
                "2026-12-01 08:00:06.000 UTC [201] STATEMENT:  SELECT pg_advisory_lock(4242)", ""));
        source = dir.resolve("src/leak.sql");
        Files.createDirectories(source.getParent());
        Files.writeString(source, "SELECT pg_advisory_xact_lock(1);\nSELECT pg_advisory_lock(42);\n");
    }

    private static CliRun run(String... args) {
        return CliRun.run(Map.of(), args);
    }

    private static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    }

    private List<Path> leftovers() throws IOException {
        List<Path> found = new ArrayList<>();
        try (Stream<Path> s = Files.walk(dir)) {
            s.filter(p -> p.getFileName().toString().contains(".lockwarden-")).forEach(found::add);
        }
        return found;
    }

    private static void exec(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + out).isZero();
    }

    @Test
    void postmortemToDevNullLeavesTheDeviceAsItWas() throws Exception {
        Path devNull = Path.of("/dev/null");
        int before = mode(devNull);
        CliRun r = run("postmortem", log.toString(), "-o", "/dev/null");
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(mode(devNull) & S_IFMT).as("/dev/null is still a character device").isEqualTo(S_IFCHR);
        assertThat(mode(devNull)).isEqualTo(before);
    }

    @Test
    void aDeviceNodeInADirectoryIsWrittenNotReplacedOrChmodded() throws Exception {
        assumeThat(System.getProperty("user.name")).as("mknod needs root").isEqualTo("root");
        Path node = dir.resolve("null-device");
        exec("mknod", "-m", "0640", node.toString(), "c", "1", "3");
        CliRun r = run("postmortem", log.toString(), "--format", "json", "-o", node.toString());
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        assertThat(mode(node) & S_IFMT).isEqualTo(S_IFCHR);
        assertThat(mode(node) & 07777).isEqualTo(0640);
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void aFifoReceivesTheReportAndStaysAFifo() throws Exception {
        Path fifo = dir.resolve("report.fifo");
        exec("mkfifo", fifo.toString());
        CompletableFuture<String> reader = CompletableFuture.supplyAsync(() -> {
            try (InputStream in = Files.newInputStream(fifo)) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        CliRun r = run("postmortem", log.toString(), "-o", fifo.toString());
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        assertThat(reader.get(30, TimeUnit.SECONDS)).contains("4242");
        assertThat(mode(fifo) & S_IFMT).as("still a FIFO").isEqualTo(S_IFIFO);
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void scanSarifThroughAFifo() throws Exception {
        Path fifo = dir.resolve("scan.fifo");
        exec("mkfifo", fifo.toString());
        CompletableFuture<String> reader = CompletableFuture.supplyAsync(() -> {
            try (InputStream in = Files.newInputStream(fifo)) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        CliRun r = run("scan", "--format", "sarif", "-o", fifo.toString(), source.toString());
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        assertThat(reader.get(30, TimeUnit.SECONDS)).contains("\"version\"").contains("leak.sql");
        assertThat(mode(fifo) & S_IFMT).isEqualTo(S_IFIFO);
    }

    @Test
    void aSymlinkSurvivesAndItsTargetGetsTheContentWithItsPermissions() throws Exception {
        Path target = Files.createDirectories(dir.resolve("real")).resolve("report.txt");
        Files.writeString(target, "old report");
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r-----"));
        Path link = Files.createSymbolicLink(dir.resolve("report-link.txt"), Path.of("real/report.txt"));

        CliRun r = run("postmortem", log.toString(), "-o", link.toString());
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        assertThat(Files.isSymbolicLink(link)).as("the link is still a link").isTrue();
        assertThat(Files.readSymbolicLink(link)).isEqualTo(Path.of("real/report.txt"));
        assertThat(Files.readString(target)).contains("4242").doesNotContain("old report");
        assertThat(Files.getPosixFilePermissions(target)).isEqualTo(PosixFilePermissions.fromString("rw-r-----"));
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void aLinkToAStandardStreamIsWrittenThroughNotRenamedOver() throws Exception {
        // /proc/self/fd/N of a regular file: replacing the file by name would miss the descriptor's reader
        Path file = Files.writeString(dir.resolve("captured.txt"), "");
        Path link = dir.resolve("report-to-fd");
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file,
                java.nio.file.StandardOpenOption.READ)) {
            Object key = Files.getAttribute(file, "unix:ino");
            // the test JVM's own descriptor for this file, found through /proc/self/fd
            Path fd;
            try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
                fd = fds.filter(p -> {
                    try {
                        return Files.isSameFile(p, file) && key.equals(Files.getAttribute(p, "unix:ino"));
                    } catch (IOException e) {
                        return false;
                    }
                }).findFirst().orElseThrow();
            }
            Files.createSymbolicLink(link, fd);
            CliRun r = run("scan", "-o", link.toString(), source.toString());
            assertThat(r.exit()).as(r.err()).isEqualTo(1);
            assertThat(Files.isSymbolicLink(link)).isTrue();
            assertThat(Files.getAttribute(file, "unix:ino")).as("the same file, not a new one renamed over it")
                    .isEqualTo(key);
            assertThat(Files.readString(file)).contains("leak.sql");
        }
    }

    @Test
    void aDanglingSymlinkCreatesItsTarget() throws Exception {
        Path link = Files.createSymbolicLink(dir.resolve("baseline-link.json"), Path.of("baseline.json"));
        CliRun r = run("scan", "--write-baseline", link.toString(), source.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(Files.readString(dir.resolve("baseline.json"))).contains("\"fingerprint\"");
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void anExistingRegularFileIsReplacedWholeAndKeepsItsPermissions() throws Exception {
        Path report = dir.resolve("scan.json");
        Files.writeString(report, "x".repeat(100_000));
        Files.setPosixFilePermissions(report, PosixFilePermissions.fromString("rw-rw-r--"));
        CliRun r = run("scan", "--format", "json", "-o", report.toString(), source.toString());
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        assertThat(Files.readString(report)).startsWith("{").doesNotContain("xxx");
        assertThat(Files.getPosixFilePermissions(report)).isEqualTo(PosixFilePermissions.fromString("rw-rw-r--"));
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void aNewFileGetsTheUsualPermissionsNotATempFiles0600() throws Exception {
        Path report = dir.resolve("new-report.txt");
        CliRun r = run("postmortem", log.toString(), "-o", report.toString());
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        assertThat(Files.readString(report)).contains("4242");
        assertThat(Files.getPosixFilePermissions(report)).as("umask-based, readable by the group as any new file")
                .isNotEqualTo(PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void aDirectoryIsRefusedWithOneLineAndExitTwo() throws Exception {
        Path target = Files.createDirectories(dir.resolve("reports"));
        for (String[] args : List.of(
                new String[] {"postmortem", log.toString(), "-o", target.toString()},
                new String[] {"scan", "-o", target.toString(), source.toString()},
                new String[] {"scan", "--write-baseline", target.toString(), source.toString()})) {
            CliRun r = run(args);
            assertThat(r.exit()).as(String.join(" ", args) + ": " + r.err()).isEqualTo(2);
            assertThat(r.err().strip().lines()).as(r.err()).singleElement().asString()
                    .contains("is a directory").contains(target.toString());
            assertThat(r.out()).isEmpty();
        }
        try (Stream<Path> s = Files.list(target)) {
            assertThat(s).as("nothing left in the directory").isEmpty();
        }
    }

    @Test
    void watchRefusesAnAuditLogThatIsADirectoryBeforeSampling() throws Exception {
        Path target = Files.createDirectories(dir.resolve("audit"));
        PostgresServer server = PostgresServer.shared();
        CliRun r = CliRun.run(CliRun.env(server), "watch", "--url", server.jdbcUrl(), "--enforce", "dry-run",
                "--audit-log", target.toString(), "--once");
        assertThat(r.exit()).as(r.err()).isEqualTo(2);
        assertThat(r.err().strip().lines()).as(r.err()).singleElement().asString()
                .contains("audit log " + target).contains("directory");
        assertThat(Files.isDirectory(target)).isTrue();
        try (Stream<Path> s = Files.list(target)) {
            assertThat(s).isEmpty();
        }
    }

    @Test
    void aMissingOrReadOnlyDirectoryIsOneLineWithExitTwoAndNothingLeftBehind() throws Exception {
        CliRun missing = run("postmortem", log.toString(), "-o", dir.resolve("no/such/dir/r.txt").toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err().strip().lines()).singleElement().asString().contains("does not exist");

        Path target;
        Path readOnly;
        if ("root".equals(System.getProperty("user.name"))) {
            // root writes through any mode bits; sysfs refuses new files even to root
            readOnly = Path.of("/sys");
            assumeThat(Files.isDirectory(readOnly)).isTrue();
            target = readOnly.resolve("lockwarden-report.txt");
        } else {
            readOnly = Files.createDirectories(dir.resolve("read-only"));
            target = readOnly.resolve("report.txt");
            Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-xr-xr-x"));
        }
        try {
            CliRun r = run("postmortem", log.toString(), "-o", target.toString());
            assertThat(r.exit()).as(r.err()).isEqualTo(2);
            assertThat(r.err().strip().lines()).as(r.err()).singleElement().asString()
                    .contains("cannot write " + target).contains("choose a writable path");
            assertThat(Files.exists(target)).isFalse();
            try (Stream<Path> s = Files.list(readOnly)) {
                assertThat(s.filter(p -> p.getFileName().toString().contains(".lockwarden-"))).isEmpty();
            }
        } finally {
            if (readOnly.startsWith(dir)) {
                Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        }
    }

    @Test
    void soakOutNamingAFileIsRefusedBeforeTheRun() throws Exception {
        Path file = Files.writeString(dir.resolve("soak-results"), "keep me");
        // port 1: nothing listens, so a run that started would fail differently
        CliRun r = run("soak", "--url", "postgresql://127.0.0.1:1/app", "--duration", "1s", "--out", file.toString());
        assertThat(r.exit()).as(r.err()).isEqualTo(2);
        assertThat(r.err().strip().lines()).as(r.err()).singleElement().asString()
                .contains("--out " + file + " is a file, not a directory");
        assertThat(r.out()).doesNotContain("PASS");
        assertThat(Files.readString(file)).isEqualTo("keep me");

        CliRun under = run("soak", "--url", "postgresql://127.0.0.1:1/app", "--duration", "1s",
                "--out", file.resolve("sub").toString());
        assertThat(under.exit()).as(under.err()).isEqualTo(2);
        assertThat(under.err()).contains("is a file");
    }

    @Test
    void postmortemToDevStdoutPrintsTheReportAndLeavesTheLink() throws Exception {
        Path devStdout = Path.of("/dev/stdout");
        assumeThat(Files.isSymbolicLink(devStdout)).isTrue();
        Path linkTarget = Files.readSymbolicLink(devStdout);
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classpath, Main.class.getName(), "postmortem", log.toString(), "-o", "/dev/stdout").start();
        p.getOutputStream().close();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(err.get()).isEqualTo(1);
        assertThat(out).contains("4242");
        assertThat(Files.isSymbolicLink(devStdout)).isTrue();
        assertThat(Files.readSymbolicLink(devStdout)).isEqualTo(linkTarget);
    }
}
