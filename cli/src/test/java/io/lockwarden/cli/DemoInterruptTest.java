package io.lockwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Ctrl-C during each act of {@code lockwarden demo}, once or twice, in a real child JVM: afterwards no postgres or
 * pgbouncer process started from its directories runs, none of its directories is left, and none of the ports it
 * printed still accepts connections.
 */
class DemoInterruptTest {
    /** The child's java.io.tmpdir: everything the demo creates lives here (binaries cache aside). */
    @TempDir
    static Path tmp;

    @BeforeAll
    static void letThePostgresUserIn() throws IOException {
        // as root, the fixtures run postgres as nobody: it must reach the binaries and data under this directory
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @ParameterizedTest(name = "Ctrl-C x{1} during act {0}")
    @CsvSource({"leak,1", "pgbouncer,1", "diagnose,1", "watch,2", "postmortem,1", "fix,2"})
    void ctrlCDuringAnActLeavesNoProcessDirectoryOrPortBehind(String act, int signals) throws Exception {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + tmp, "-cp", System.getProperty("java.class.path"), "io.lockwarden.cli.Main",
                "demo", "--act", act, "--keep-running");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("PATH", "/usr/sbin:/usr/bin:/bin");
        Process demo = pb.start();
        demo.getOutputStream().close();
        StringBuilder seen = new StringBuilder();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(demo.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                seen.append(line).append('\n');
                if (line.startsWith("== Act ")) {
                    break;
                }
            }
            assertThat(seen.toString()).as("the act began").contains("== Act ");
            for (int i = 0; i < signals; i++) {
                interrupt(demo.pid());
                Thread.sleep(150);
            }
            out.lines().forEach(l -> seen.append(l).append('\n'));
        }
        assertThat(demo.waitFor(60, TimeUnit.SECONDS)).as("the demo ended after Ctrl-C:%n%s", seen).isTrue();
        assertThat(demo.exitValue()).as(seen.toString()).isNotZero();

        assertThat(processesUnder(tmp)).as("processes left running:%n%s", seen).isEmpty();
        assertThat(leftInTmp()).as("directories left behind:%n%s", seen).isEmpty();
        for (int port : ports(seen.toString())) {
            assertThat(accepts(port)).as("port %d still accepts connections:%n%s", port, seen).isFalse();
        }
    }

    private static void interrupt(long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-INT", Long.toString(pid)).inheritIO().start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
    }

    /** Processes whose command line names the child's temporary directory (postgres -D ..., pgbouncer its ini). */
    private static List<String> processesUnder(Path dir) throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                if (!p.getFileName().toString().matches("\\d+")) {
                    continue;
                }
                try {
                    String cmdline = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8)
                            .replace('\0', ' ');
                    if (cmdline.contains(dir.toString()) && !cmdline.contains("io.lockwarden.cli.Main")) {
                        found.add(p.getFileName() + ": " + cmdline);
                    }
                } catch (IOException gone) {
                    // the process ended meanwhile
                }
            }
        }
        return found;
    }

    /** Entries of the child's tmpdir other than the PostgreSQL binaries cache (kept on purpose, per machine). */
    private static Set<String> leftInTmp() throws IOException {
        Set<String> left = new TreeSet<>();
        try (Stream<Path> entries = Files.list(tmp)) {
            entries.map(p -> p.getFileName().toString()).filter(n -> !n.equals("lockwarden-pg")).forEach(left::add);
        }
        return left;
    }

    private static Set<Integer> ports(String output) {
        Set<Integer> ports = new TreeSet<>();
        Matcher m = Pattern.compile("127\\.0\\.0\\.1:(\\d{2,5})").matcher(output);
        while (m.find()) {
            ports.add(Integer.parseInt(m.group(1)));
        }
        return ports;
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }
}
