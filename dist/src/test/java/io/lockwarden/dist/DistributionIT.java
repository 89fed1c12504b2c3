package io.lockwarden.dist;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockwarden.testkit.fixture.PostgresServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unpacks the built {@code lockwarden-VERSION.tar.gz} into an empty directory and runs it the way a user
 * without Maven or a clone would: a PATH with the system tools and Java but no Maven or git, a fresh HOME, and a
 * working directory outside the repository.
 */
class DistributionIT {
    private static final String VERSION = System.getProperty("lockwarden.version");
    private static final Path ARCHIVE = Path.of(System.getProperty("lockwarden.dist.archive"));
    private static final Path ZIP = Path.of(System.getProperty("lockwarden.dist.zip"));

    @TempDir
    static Path root;
    static Path home;
    static Map<String, String> env;

    @BeforeAll
    static void unpackIntoAnEmptyDirectory() throws IOException {
        Path unpacked = Files.createDirectories(root.resolve("opt"));
        CommandRun tar = CommandRun.run(unpacked, Map.of("PATH", "/usr/bin:/bin"), 2,
                List.of("tar", "-xzf", ARCHIVE.toString()));
        assertThat(tar.exit()).as(tar.describe()).isZero();
        home = unpacked.resolve("lockwarden-" + VERSION);

        // PATH: the system's tools (the demo's embedded server uses setpriv when run as root) and java, but
        // no Maven and no git; the working directory is outside the repository.
        Path bin = Files.createDirectories(root.resolve("path"));
        for (String dir : List.of("/usr/sbin", "/usr/bin", "/sbin", "/bin")) {
            try (Stream<Path> tools = Files.list(Path.of(dir))) {
                for (Path tool : (Iterable<Path>) tools::iterator) {
                    String name = tool.getFileName().toString();
                    boolean excluded = name.startsWith("mvn") || name.equals("git") || name.equals("java");
                    if (!excluded && Files.isExecutable(tool) && !Files.exists(bin.resolve(name), LinkOption.NOFOLLOW_LINKS)) {
                        Files.createSymbolicLink(bin.resolve(name), tool);
                    }
                }
            }
        }
        Files.createSymbolicLink(bin.resolve("java"), Path.of(System.getProperty("java.home"), "bin", "java"));
        env = new HashMap<>();
        env.put("PATH", bin.toString());
        env.put("HOME", Files.createDirectories(root.resolve("home")).toString());
        env.put("TMPDIR", System.getProperty("java.io.tmpdir"));
    }

    private static String which(String tool) {
        for (String dir : List.of("/usr/bin", "/bin")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return Path.of(dir, tool).toString();
            }
        }
        throw new AssertionError(tool + " not found in /usr/bin or /bin");
    }

    private CommandRun lockwarden(Map<String, String> extraEnv, String... args) throws IOException {
        Map<String, String> e = new HashMap<>(env);
        e.putAll(extraEnv);
        List<String> cmd = new ArrayList<>();
        cmd.add(home.resolve("bin/lockwarden").toString());
        cmd.addAll(List.of(args));
        return CommandRun.run(Files.createDirectories(root.resolve("work")), e, 5, cmd);
    }

    @Test
    void archiveHoldsLauncherJarCompletionManPagesAndLicence() throws IOException {
        assertThat(Files.getPosixFilePermissions(home.resolve("bin/lockwarden")))
                .contains(PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OTHERS_EXECUTE);
        for (String f : List.of("lib/lockwarden.jar", "completion/lockwarden.bash", "completion/_lockwarden",
                "README.md", "LICENSE", "NOTICE", "CHANGELOG.md", "docs/diagnose.md")) {
            assertThat(home.resolve(f)).as(f).isNotEmptyFile();
        }
        assertThat(Files.readString(home.resolve("LICENSE"))).contains("Apache License", "Version 2.0");
        try (Stream<Path> pages = Files.list(home.resolve("man/man1"))) {
            Set<String> names = pages.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
            assertThat(names).contains("lockwarden.1", "lockwarden-diagnose.1", "lockwarden-release.1",
                    "lockwarden-scan.1", "lockwarden-soak.1", "lockwarden-demo.1");
        }
        assertThat(Files.readString(home.resolve("man/man1/lockwarden-diagnose.1")))
                .contains(".TH \"LOCKWARDEN\\-DIAGNOSE\" \"1\"", "format", "Lockwarden " + VERSION);
    }

    @Test
    void zipHoldsTheSameFilesAsTheTarball() throws IOException {
        Set<String> inTar;
        try (Stream<Path> files = Files.walk(home)) {
            inTar = files.filter(Files::isRegularFile).map(p -> home.relativize(p).toString())
                    .collect(Collectors.toSet());
        }
        Set<String> inZip;
        try (ZipFile zip = new ZipFile(ZIP.toFile())) {
            inZip = zip.stream().filter(e -> !e.isDirectory())
                    .map(e -> e.getName().substring(e.getName().indexOf('/') + 1)).collect(Collectors.toSet());
        }
        assertThat(inZip).isEqualTo(inTar);
    }

    @Test
    void pathHasNoMaven() throws IOException {
        CommandRun r = CommandRun.run(root, env, 1, List.of(which("bash"), "-c", "command -v mvn || echo none"));
        assertThat(r.out().strip()).isEqualTo("none");
    }

    @Test
    void versionNamesReleaseCommitAndTestedPostgresVersions() throws IOException {
        CommandRun r = lockwarden(Map.of(), "--version");
        assertThat(r.exit()).as(r.describe()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines.get(0)).isEqualTo("lockwarden " + VERSION);
        assertThat(lines.get(1)).matches("commit ([0-9a-f]{7,40}.*|unknown)");
        assertThat(lines.get(2)).startsWith("tested with PostgreSQL 14.").contains(", 18.");
    }

    @Test
    void diagnoseRunsAgainstARealServerWithOnlyJava() throws Exception {
        PostgresServer server = PostgresServer.shared();
        try (Connection leaker = server.connect("dist-leaker"); Statement st = leaker.createStatement()) {
            st.execute("SELECT pg_advisory_lock(7007)");
            CommandRun r = lockwarden(Map.of("PGUSER", PostgresServer.SUPERUSER, "PGPASSWORD", server.password()),
                    "diagnose", "--url", server.jdbcUrl(), "--idle-threshold", "0s");
            assertThat(r.exit()).as(r.describe()).isEqualTo(1);
            assertThat(r.out()).contains("7007");
            assertThat(r.out() + r.err()).doesNotContain(server.password());
            st.execute("SELECT pg_advisory_unlock(7007)");
        }
    }

    @Test
    void scanFindsALeakInASourceTree() throws IOException {
        Path src = Files.createDirectories(root.resolve("scan-src"));
        Files.writeString(src.resolve("Leaky.java"), """
                import java.sql.*;
                class Leaky {
                    void run(Connection c) throws SQLException {
                        c.setAutoCommit(false);
                        c.createStatement().execute("SELECT pg_advisory_lock(42)");
                        c.rollback();
                    }
                }
                """);
        CommandRun r = lockwarden(Map.of(), "scan", src.toString(), "--format", "json");
        assertThat(r.exit()).as(r.describe()).isEqualTo(1);
        assertThat(r.out()).contains("Leaky.java", "LW1");
    }

    @Test
    void demoPlaysTheIncidentFromTheUnpackedArchive() throws IOException {
        CommandRun r = lockwarden(Map.of(), "demo");
        assertThat(r.exit()).as(r.describe()).isZero();
    }

    @Test
    void launcherFollowsASymlinkAndExplainsAMissingJava() throws IOException {
        Path link = root.resolve("path-link");
        Files.createDirectories(link);
        Path linked = link.resolve("lockwarden");
        if (!Files.exists(linked)) {
            Files.createSymbolicLink(linked, home.resolve("bin/lockwarden"));
        }
        CommandRun viaLink = CommandRun.run(root, env, 2, List.of(linked.toString(), "--version"));
        assertThat(viaLink.exit()).as(viaLink.describe()).isZero();

        Path bashOnly = Files.createDirectories(root.resolve("bash-only"));
        if (!Files.exists(bashOnly.resolve("bash"))) {
            Files.createSymbolicLink(bashOnly.resolve("bash"), Path.of(which("bash")));
        }
        CommandRun noJava = CommandRun.run(root, Map.of("PATH", bashOnly.toString()), 2,
                List.of(home.resolve("bin/lockwarden").toString(), "--version"));
        assertThat(noJava.exit()).isEqualTo(2);
        assertThat(noJava.err().strip()).isEqualTo(
                "lockwarden: no java found: install Java 17 or newer, or set JAVA_HOME");
    }

    @Test
    void bashCompletionCompletesSubcommands() throws IOException {
        CommandRun r = CommandRun.run(root, Map.of("PATH", "/usr/bin:/bin"), 1, List.of(which("bash"), "-c",
                "source '" + home.resolve("completion/lockwarden.bash") + "' && complete -p lockwarden"
                        + " && COMP_WORDS=(lockwarden diag) COMP_CWORD=1 COMP_LINE='lockwarden diag' COMP_POINT=15"
                        + " && _complete_lockwarden && echo \"${COMPREPLY[@]}\""));
        assertThat(r.exit()).as(r.describe()).isZero();
        assertThat(r.out()).contains("-F _complete_lockwarden", "diagnose");
    }
}
