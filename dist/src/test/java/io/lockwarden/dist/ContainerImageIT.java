package io.lockwarden.dist;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockwarden.testkit.fixture.LockSessions;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container image the build made (target/lockwarden-image.tar, by Jib, no daemon) run by a real container
 * runtime, podman, as an operator would: default command (the watchdog with the mounted config), read-only root
 * file system, a tmpfs on /tmp, the password from a mounted file, against a test PostgreSQL; {@code /metrics},
 * {@code /healthz} and {@code /readyz} read from outside the container.
 */
class ContainerImageIT {
    private static final Path TAR = Path.of(System.getProperty("lockwarden.image.tar"));
    private static final Path ROOTFS = Path.of(System.getProperty("lockwarden.image.rootfs"));
    private static final Path ROOTFS_SCRIPT = Path.of(System.getProperty("lockwarden.root"), "dist/src/image/rootfs.sh");
    private static final String NAME = System.getProperty("lockwarden.image.name");
    private static final Map<String, String> ENV = Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", "HOME", "/root");
    private static final PostgresServer SERVER = PostgresServer.shared();
    private static final List<String> CONTAINERS = new ArrayList<>();

    @TempDir
    static Path dir;

    @BeforeAll
    static void loadTheImage() {
        CommandRun load = podman("load", "-q", "-i", TAR.toString());
        assertThat(load.exit()).as(load.describe()).isZero();
    }

    @AfterAll
    static void removeContainersAndImage() {
        for (String c : CONTAINERS) {
            podman("rm", "-f", "-t", "0", c);
        }
        podman("rmi", "-f", NAME);
    }

    private static CommandRun podman(String... args) {
        List<String> cmd = new ArrayList<>(List.of("podman"));
        // crun, podman's default runtime, refuses hosts with both cgroup v1 and v2 controllers (this CI's); runc
        // (./run-tests installs it on Linux) runs there and everywhere else
        if (Files.isExecutable(Path.of("/usr/sbin/runc")) || Files.isExecutable(Path.of("/usr/bin/runc"))) {
            cmd.addAll(List.of("--runtime", "runc"));
        }
        cmd.addAll(List.of(args));
        return CommandRun.run(dir, ENV, 3, cmd);
    }

    @Test
    void theDefaultCommandWatchesTheMountedConfigAsANonRootUserOnAReadOnlyRootFileSystem() throws Exception {
        int port = freePort();
        Path config = Files.createDirectories(dir.resolve("config"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(config.resolve("lockwarden.yml"), "interval: 1s\n"
                + "listen: 127.0.0.1:" + port + "\n"
                + "targets:\n"
                + "  - name: it\n"
                + "    connection: " + SERVER.jdbcUrl() + "\n"
                + "    user: " + PostgresServer.SUPERUSER + "\n"
                + "    password_file: /etc/lockwarden/db.pw\n");
        Files.writeString(config.resolve("db.pw"), SERVER.password() + "\n");
        for (String f : List.of("lockwarden.yml", "db.pw")) {
            Files.setPosixFilePermissions(config.resolve(f), PosixFilePermissions.fromString("rw-r--r--"));
        }

        String container = "lockwarden-it-" + UUID.randomUUID().toString().substring(0, 8);
        CONTAINERS.add(container);
        // limits within a sandboxed host's hard limits (podman's defaults exceed them)
        CommandRun run = podman("run", "-d", "--name", container, "--network", "host", "--read-only",
                "--tmpfs", "/tmp", "--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096",
                "-v", config + ":/etc/lockwarden:ro", NAME);
        assertThat(run.exit()).as(run.describe()).isZero();

        try (LockSessions s = new LockSessions(SERVER)) {
            Connection leaker = s.open("image-leak");
            LockSessions.exec(leaker, "SELECT pg_advisory_lock(4242)");

            String metrics = awaitMetric(port, "lockwarden_sessions_holding{target=\"it\"} 1.0", container);
            assertThat(metrics).contains("lockwarden_target_up{target=\"it\"} 1.0");
            assertThat(get(port, "/healthz").statusCode()).isEqualTo(200);
            assertThat(get(port, "/readyz").statusCode()).isEqualTo(200);
            assertThat(metrics).doesNotContain(SERVER.password());
        }

        CommandRun user = podman("inspect", "--format", "{{.Config.User}}", container);
        assertThat(user.out().strip()).isEqualTo("65532:65532");
        CommandRun readOnly = podman("inspect", "--format", "{{.HostConfig.ReadonlyRootfs}}", container);
        assertThat(readOnly.out().strip()).isEqualTo("true");
        CommandRun logs = podman("logs", container);
        assertThat(logs.out() + logs.err()).contains("lockwarden watch: 1 target(s)").doesNotContain(SERVER.password());
    }

    @Test
    void theBaseLayerIsReproducibleFileForFile() throws Exception {
        // the image's base, made again from the same JDK and libraries, is the same bytes; Jib adds the jars (built
        // with project.build.outputTimestamp) with fixed times and modes, so the digest repeats (docs/production.md)
        Path again = dir.resolve("rootfs-again");
        CommandRun rootfs = CommandRun.run(dir, ENV, 5, List.of("bash",
                ROOTFS_SCRIPT.toString(), again.toString(), System.getProperty("java.home")));
        assertThat(rootfs.exit()).as(rootfs.describe()).isZero();

        assertThat(fingerprint(again)).isEqualTo(fingerprint(ROOTFS));
    }

    /** Every regular file's path and SHA-256, sorted. */
    private static List<String> fingerprint(Path root) throws IOException {
        List<String> lines = new ArrayList<>();
        try (var files = Files.walk(root)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
                java.security.MessageDigest sha;
                try {
                    sha = java.security.MessageDigest.getInstance("SHA-256");
                } catch (java.security.NoSuchAlgorithmException e) {
                    throw new IllegalStateException(e);
                }
                lines.add(root.relativize(f) + " " + java.util.HexFormat.of().formatHex(sha.digest(Files.readAllBytes(f))));
            }
        }
        assertThat(lines).hasSizeGreaterThan(100);
        return lines;
    }

    private static String awaitMetric(int port, String line, String container) throws Exception {
        String last = "";
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                last = get(port, "/metrics").body();
                if (last.contains(line)) {
                    return last;
                }
            } catch (IOException notYet) {
                // the JVM in the container is still starting
            }
            Thread.sleep(500);
        }
        CommandRun logs = podman("logs", container);
        throw new AssertionError("no '" + line + "' on /metrics within 60 s; last:\n" + last + "\ncontainer log:\n"
                + logs.out() + logs.err());
    }

    private static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
