package io.lockwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockwarden.testkit.fixture.PgBouncer;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Short soak runs (a few seconds each) against the real server and a real PgBouncer. */
class SoakCommandTest {
    private static final PostgresServer SERVER = PostgresServer.shared();
    private static final String ALL_FAULTS = "exception,terminate,pool-evict,client-kill";

    @TempDir
    Path dir;

    private String stdout;
    private String stderr;

    /** Advisory locks other test classes of this JVM may hold on the shared server; not ours to judge. */
    private List<String> locksBefore;

    @BeforeEach
    void rememberLocksHeldBefore() throws SQLException {
        locksBefore = advisoryLocks();
    }

    @AfterEach
    void nothingIsLeftOnTheServer() throws SQLException {
        assertThat(soakTables()).isEmpty();
        assertThat(advisoryLocks()).isSubsetOf(locksBefore);
    }

    @Test
    void libraryModePassesWithEveryFaultTypeAndWritesTheTimeSeries() throws Exception {
        int code = soak("--url", SERVER.jdbcUrl(), "--workers", "4", "--keys", "5", "--duration", "4s",
                "--faults", ALL_FAULTS, "--fault-rate", "0.1", "--mode", "lockwarden", "--out", dir.toString());

        assertThat(code).as(stdout + stderr).isZero();
        assertThat(stdout).contains("verdict             PASS").contains("violations          0")
                .contains("locks left at end   0").contains("leaked during run   0")
                .contains("inherited locks     0");
        assertEveryFaultInjected();
        assertThat(number("units of work")).isPositive();
        List<String> csv = Files.readAllLines(dir.resolve("soak.csv"));
        assertThat(csv.get(0)).isEqualTo("seconds,held,waiting,orphaned,units,violations,faults");
        assertThat(csv).hasSizeGreaterThan(3);
        assertThat(Files.readString(dir.resolve("soak.svg"))).startsWith("<svg").contains("<polyline");
    }

    @Test
    void sessionLocksInsideRolledBackTransactionsThroughAPoolAreCaughtAsLeaks() throws Exception {
        int code = soak("--url", SERVER.jdbcUrl(), "--workers", "4", "--keys", "20", "--duration", "4s",
                "--faults", "exception", "--fault-rate", "0.1", "--mode", "session-raw", "--lock-timeout", "500ms",
                "--out", dir.toString());

        assertThat(code).as(stdout + stderr).isEqualTo(1);
        assertThat(stdout).contains("verdict             FAIL").contains("still held after every worker stopped");
        assertThat(number("locks left at end")).isPositive();
        assertThat(number("leaked during run")).isPositive();
        assertThat(stdout).containsPattern("cleanup +table dropped, \\d+ session\\(s\\) holding leaked locks "
                + "terminated, 0 lock\\(s\\) of this run left");
    }

    @Test
    void sessionRawModeThroughTheGuardUrlPassesWhereItFailsWithout() throws Exception {
        String guarded = "jdbc:lockwarden:" + SERVER.jdbcUrl().substring("jdbc:".length());
        int code = soak("--url", guarded, "--workers", "4", "--keys", "20", "--duration", "4s",
                "--faults", "exception", "--fault-rate", "0.1", "--mode", "session-raw", "--lock-timeout", "500ms",
                "--out", dir.toString());

        assertThat(code).as(stdout + stderr).isZero();
        assertThat(stdout).contains("verdict             PASS").contains("locks left at end   0")
                .contains("leaked during run   0").contains("inherited locks     0");
        assertThat(number("faults injected")).as(stdout).isPositive();
    }

    @Test
    void sessionRawModeFailsWithEveryFaultTypeOnToo() throws Exception {
        int code = soak("--url", SERVER.jdbcUrl(), "--workers", "4", "--keys", "3", "--duration", "4s",
                "--faults", ALL_FAULTS, "--fault-rate", "0.1", "--mode", "session-raw", "--lock-timeout", "500ms",
                "--out", dir.toString());

        assertThat(code).as(stdout + stderr).isEqualTo(1);
        assertEveryFaultInjected();
        assertThat(number("inherited locks")).as(stdout).isPositive();
    }

    @Test
    void theSeedBugThroughPgBouncerInTransactionModeIsCaught() throws Exception {
        try (PgBouncer bouncer = PgBouncer.builder(SERVER).poolSize(3).start()) {
            int code = soak("--url", SERVER.jdbcUrl(), "--pooler-url", bouncer.jdbcUrl(), "--workers", "4",
                    "--keys", "5", "--duration", "3s", "--faults", "exception", "--fault-rate", "0.1",
                    "--mode", "session-raw", "--lock-timeout", "500ms", "--out", dir.toString());

            assertThat(code).as(stdout + stderr).isEqualTo(1);
            assertThat(number("locks left at end")).isPositive();
        }
    }

    @Test
    void libraryModeThroughPgBouncerPassesWithEveryFaultType() throws Exception {
        try (PgBouncer bouncer = PgBouncer.builder(SERVER).poolSize(3).start()) {
            int code = soak("--url", SERVER.jdbcUrl(), "--pooler-url", bouncer.jdbcUrl(), "--workers", "4",
                    "--keys", "5", "--duration", "3s", "--faults", ALL_FAULTS, "--fault-rate", "0.1",
                    "--mode", "lockwarden", "--out", dir.toString());

            assertThat(code).as(stdout + stderr).isZero();
            assertThat(stdout).contains("violations          0").contains("locks left at end   0")
                    .contains("inherited locks     0");
            // pool-evict reached the stock console (RECONNECT), and no driver logging leaked
            assertThat(stderr).doesNotContain("cannot RECONNECT").doesNotContain("WARNING").doesNotContain("Unsupported");
        }
    }

    @Test
    void transactionScopedRawSqlPassesToo() throws Exception {
        int code = soak("--url", SERVER.jdbcUrl(), "--workers", "3", "--keys", "3", "--duration", "2s",
                "--faults", "exception,terminate", "--fault-rate", "0.1", "--mode", "xact-raw", "--out", dir.toString());

        assertThat(code).as(stdout + stderr).isZero();
    }

    @Test
    void thePasswordIsNeverPrinted() throws Exception {
        String url = SERVER.jdbcUrl() + "?user=postgres&password=" + SERVER.password();
        soak("--url", url, "--workers", "2", "--keys", "2", "--duration", "1s", "--faults", "none",
                "--out", dir.toString());

        assertThat(stdout).contains("server              jdbc:postgresql://127.0.0.1:" + SERVER.port());
        assertThat(stdout + stderr).doesNotContain(SERVER.password());
    }

    @Test
    void badUsageIsOneLineOnStderrWithExitCode2() {
        assertThat(soak("--duration", "4s")).isEqualTo(2);
        assertThat(stderr.strip()).contains("--url (or -h/-d, PGHOST, PGDATABASE, PGSERVICE) is required").doesNotContain("\n");

        assertThat(soak("--url", SERVER.jdbcUrl(), "--faults", "exception,meteor")).isEqualTo(2);
        assertThat(stderr.strip()).contains("unknown fault 'meteor'").doesNotContain("\n");

        assertThat(soak("--url", SERVER.jdbcUrl(), "--duration", "soon")).isEqualTo(2);
        assertThat(stderr.strip()).contains("--duration must be a positive duration").doesNotContain("\n");

        assertThat(soak("--url", SERVER.jdbcUrl(), "--mode", "yolo")).isEqualTo(2);
        assertThat(stderr.strip()).contains("unknown mode 'yolo'").doesNotContain("\n");

        assertThat(soak("--url", "host=localhost bogus=1")).isEqualTo(2);
        assertThat(stderr.strip()).contains("--url: invalid connection option \"bogus\"").doesNotContain("\n");
    }

    @Test
    void anUnreachableServerIsOneLineWithExitCode2AndNoPassword() {
        int code = soak("--url", "jdbc:postgresql://127.0.0.1:1/app", "--password", "s3cret-pw", "--duration", "1s",
                "--out", dir.toString());

        assertThat(code).isEqualTo(2);
        assertThat(stderr.strip()).startsWith("lockwarden soak: cannot").doesNotContain("\n")
                .doesNotContain("s3cret-pw");
    }

    @Test
    void aSoakStoppedWithSigtermDropsItsTableAndReleasesItsLeakedLocks() throws Exception {
        try (PgBouncer bouncer = PgBouncer.builder(SERVER).poolSize(2).start()) {
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), Main.class.getName(), "soak",
                    "--url", SERVER.jdbcUrl(), "--pooler-url", bouncer.jdbcUrl(), "--user", PostgresServer.SUPERUSER,
                    "--workers", "3", "--keys", "5", "--duration", "5m", "--faults", "exception", "--fault-rate", "0.2",
                    "--mode", "session-raw", "--out", dir.toString());
            pb.environment().put("PGPASSWORD", SERVER.password());
            pb.redirectErrorStream(true).redirectOutput(dir.resolve("soak.log").toFile());
            Process soak = pb.start();
            try {
                // Wait (bounded) until one reading shows more locks than 3 workers can hold at once: then some
                // are leaked. The count is leaked + in flight, and the in-flight part changes between two reads,
                // so the assertion must judge the same reading that ended the wait, not a second one.
                int held = heldAdvisoryLocks() - locksBefore.size();
                for (int i = 0; i < 300 && held <= 3; i++) {
                    Thread.sleep(100);
                    held = heldAdvisoryLocks() - locksBefore.size();
                }
                assertThat(soakTables()).hasSize(1);
                assertThat(held).as("advisory locks held by the soak at one moment").isGreaterThan(3);
            } finally {
                soak.destroy(); // SIGTERM, as a service manager (or Ctrl-C) would stop it
                if (!soak.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                    soak.destroyForcibly();
                }
            }
            assertThat(Files.readString(dir.resolve("soak.log")))
                    .contains("interrupted; stopping workers and cleaning up")
                    .containsPattern("cleanup: table dropped, \\d+ session\\(s\\) holding leaked locks terminated, "
                            + "0 lock\\(s\\) of this run left");
        }
    }

    // ---- helpers ----

    private static int heldAdvisoryLocks() throws SQLException {
        try (Connection c = SERVER.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private int soak(String... args) {
        String[] full = new String[args.length + 1];
        full[0] = "soak";
        System.arraycopy(args, 0, full, 1, args.length);
        List<String> withCredentials = new ArrayList<>(List.of(full));
        boolean urlHasUser = String.join(" ", args).contains("user=");
        boolean reachable = String.join(" ", args).contains(SERVER.jdbcUrl().substring("jdbc:".length()));
        if (reachable && !urlHasUser) {
            withCredentials.addAll(List.of("--user", PostgresServer.SUPERUSER, "--password", SERVER.password()));
        }
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            return Main.run(withCredentials.toArray(String[]::new));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
            stdout = out.toString(StandardCharsets.UTF_8);
            stderr = err.toString(StandardCharsets.UTF_8);
            oldOut.print(stdout); // the report, for the test log
        }
    }

    private void assertEveryFaultInjected() {
        for (String fault : ALL_FAULTS.split(",")) {
            Matcher m = Pattern.compile(fault + "=(\\d+)").matcher(stdout);
            assertThat(m.find()).as(stdout).isTrue();
            assertThat(Long.parseLong(m.group(1))).as(fault + " in " + stdout).isPositive();
        }
    }

    private long number(String label) {
        Matcher m = Pattern.compile(label + " +(\\d+)").matcher(stdout);
        assertThat(m.find()).as(stdout).isTrue();
        return Long.parseLong(m.group(1));
    }

    private static List<String> soakTables() throws SQLException {
        List<String> names = new ArrayList<>();
        try (Connection c = SERVER.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT relname FROM pg_class WHERE relkind = 'r' AND relname LIKE 'lockwarden\\_soak\\_%'")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }

    private static List<String> advisoryLocks() throws SQLException {
        List<String> locks = new ArrayList<>();
        try (Connection c = SERVER.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pid, classid, objid, objsubid FROM pg_locks "
                     + "WHERE locktype = 'advisory'")) {
            while (rs.next()) {
                locks.add(rs.getInt(1) + ":" + rs.getLong(2) + ":" + rs.getLong(3) + ":" + rs.getInt(4));
            }
        }
        return locks;
    }
}
