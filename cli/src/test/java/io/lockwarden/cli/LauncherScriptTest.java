package io.lockwarden.cli;

import static io.lockwarden.testkit.fixture.LockSessions.exec;
import static io.lockwarden.testkit.fixture.LockSessions.pid;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lockwarden.testkit.fixture.LockSessions;
import io.lockwarden.testkit.fixture.PgBouncer;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Runs the real {@code ./lockwarden} launcher (building the jar when missing or stale) as a user would. */
class LauncherScriptTest {
    private static final PostgresServer SERVER = PostgresServer.shared();

    private record Result(int exit, String out, String err) {
    }

    private static Path launcher() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isExecutable(dir.resolve("lockwarden"))) {
            dir = dir.getParent();
        }
        assertThat(dir).as("the ./lockwarden launcher at the repository root").isNotNull();
        return dir.resolve("lockwarden");
    }

    private static Result run(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(launcher().toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("PGUSER", PostgresServer.SUPERUSER);
        pb.environment().put("PGPASSWORD", SERVER.password());
        Process p = pb.start();
        p.getOutputStream().close();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        if (!p.waitFor(8, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("launcher did not finish: " + cmd);
        }
        return new Result(p.exitValue(), out.get(), err.get());
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void launcherBuildsWhenNeededAndRunsDiagnoseWithExitCodes() throws Exception {
        Result version = run("--version");
        assertThat(version.exit()).as(version.err()).isZero();
        assertThat(version.out().lines().findFirst().orElse("")).matches("lockwarden \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
        assertThat(version.out()).contains("commit ", "tested with PostgreSQL 14.", ", 18.");

        try (LockSessions s = new LockSessions(SERVER)) {
            Connection leaker = s.open("launcher-leak");
            exec(leaker, "SELECT pg_advisory_lock(8088)");
            int pid = pid(leaker);

            Result r = run("diagnose", "--url", SERVER.jdbcUrl(), "--format", "json", "--idle-threshold", "0s");

            assertThat(r.exit()).as(r.err()).isEqualTo(1);
            JsonNode doc = new ObjectMapper().readTree(r.out());
            assertThat(doc.get("findings").findValuesAsText("rule")).contains("idle-session-holds-locks");
            assertThat(doc.get("locks").findValues("pid").stream().map(JsonNode::asInt)).contains(pid);
        }

        Result bad = run("diagnose", "--url", "jdbc:postgresql://127.0.0.1:1/postgres");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err().strip().lines().filter(l -> l.startsWith("lockwarden: ") && !l.contains("building")))
                .singleElement().asString().contains("cannot connect");
    }

    @Test
    void diagnoseThroughAStockPgBouncerWithPsqlFlagsPrintsNoDriverLogging() throws Exception {
        try (PgBouncer bouncer = PgBouncer.builder(SERVER).start()) {
            Result r = run("diagnose", "-h", "127.0.0.1", "-p", String.valueOf(SERVER.port()), "-d", "postgres",
                    "--pgbouncer", "postgresql://127.0.0.1:" + bouncer.port() + "/pgbouncer");
            assertThat(r.exit()).as(r.err()).isLessThan(2);
            assertThat(r.out()).contains("127.0.0.1:" + SERVER.port() + "/postgres as postgres");
            // the launcher's own "building the jar" line aside, nothing: no java.util.logging, no driver warning
            assertThat(r.err().lines().filter(l -> !l.startsWith("lockwarden: building "))).as(r.err()).isEmpty();
        }
    }
}
