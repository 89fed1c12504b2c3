package io.lockwarden.postmortem;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Real servers (PostgreSQL 18 and 14) log while the test stages the incidents of {@link IncidentStage}; the report
 * of every log format the server wrote must show exactly what was staged, validate against the published JSON
 * schema, and contain every advisory wait pgBadger counts in the same log.
 */
class PostmortemIncidentTest {

    static Stream<Arguments> servers() {
        return Stream.of(Arguments.of(18, "%m [%p] %q%u@%d "), Arguments.of(18, "%t:%r:%u@%d:[%p]:"),
                Arguments.of(14, "%m [%p] "));
    }

    @ParameterizedTest(name = "PostgreSQL {0}, log_line_prefix ''{1}''")
    @MethodSource("servers")
    void reportOfEveryLogFormatMatchesTheStagedIncidents(int version, String prefix) throws Exception {
        try (IncidentStage stage = new IncidentStage(version, prefix)) {
            IncidentStage.Staged s = stage.stageAll();
            List<String> formats = version >= 15 ? List.of("log", "csv", "json") : List.of("log", "csv");
            for (String ext : formats) {
                Report r = analyze(stage.log(ext), null);
                assertMatchesStage(r, s, ext);
                assertThat(r.sources().get(0).format().label())
                        .isEqualTo(Map.of("log", "stderr", "csv", "csvlog", "json", "jsonlog").get(ext));
                validate(ReportFormat.JSON.render(r));
            }
            // The prefix given as pgBadger's --prefix gives the same report as the detected one.
            Report given = analyze(stage.log("log"), prefix);
            assertThat(given.sources().get(0).prefix()).isEqualTo(prefix);
            assertMatchesStage(given, s, "log with --prefix");
            assertPgBadgerWaitsAreInTheReport(stage.log("log"), prefix, given);
        }
    }

    private static Report analyze(Path log, String prefix) {
        return ReferenceParse.analyzeBothWays(Postmortem.builder().namespace("billing").knownKey(IncidentStage.NAMED)
                .build(), LogReader.builder().prefix(prefix).build(), log);
    }

    private static void assertMatchesStage(Report r, IncidentStage.Staged s, String format) {
        String as = format + ":\n" + ReportFormat.TEXT.render(r);
        assertThat(r.incident()).as(as).isTrue();
        assertThat(r.sources().get(0).skippedLines()).as(as).isZero();

        // 1. leaked session lock on 1002: two lock timeouts, then the termination frees the third waiter.
        KeyHistory leak = key(r, "1002");
        assertThat(leak.key().form()).isEqualTo("bigint");
        assertThat(leak.key().tag()).endsWith(",0,1002,1]");
        assertThat(waitsOf(leak, WaitOutcome.LOCK_TIMEOUT)).as(as).extracting(Wait::pid)
                .containsExactlyInAnyOrderElementsOf(s.timedOut());
        for (Wait w : waitsOf(leak, WaitOutcome.LOCK_TIMEOUT)) {
            assertThat(w.holders()).as(as).containsExactly(s.leakHolder());
            if (r.limits().stream().noneMatch(l -> l.contains("one-second precision"))) {
                assertThat(w.waitedMs()).as(as).isGreaterThanOrEqualTo(700.0);
            }
        }
        Wait freed = single(waitsOf(leak, WaitOutcome.ACQUIRED));
        assertThat(freed.pid()).isEqualTo(s.freedByTermination());
        assertThat(freed.freedBy()).as(as).isEqualTo("termination of " + s.leakHolder() + " (administrator command)");
        Termination t = r.terminations().stream().filter(x -> x.pid() == s.leakHolder()).findFirst().orElseThrow();
        assertThat(t.reason()).isEqualTo("administrator command");
        assertThat(t.freedWaiters()).containsExactly(s.freedByTermination());
        assertThat(t.keysHeld()).containsExactly("1002");
        assertThat(r.summary().rootHolders()).as(as).extracting(Holder::pid).contains(s.leakHolder());
        assertThat(r.summary().causes()).as(as).anyMatch(c -> c.startsWith("session " + s.leakHolder()
                + " held 1002") && c.contains("released it only when its session was ended (administrator command)"));
        assertThat(r.summary().likelyCause()).as(as).containsAnyOf("session " + s.leakHolder(),
                "session " + s.idleHolder());
        if (r.limits().stream().noneMatch(l -> l.contains("one-second precision"))) {
            assertThat(leak.peakWaiters()).as(as).isEqualTo(2);
        }

        // 2. shared vs exclusive, both key forms.
        Wait exclusive = single(key(r, "2001").waits());
        assertThat(exclusive.pid()).isEqualTo(s.exclusiveTimedOut());
        assertThat(exclusive.mode()).isEqualTo("ExclusiveLock");
        assertThat(exclusive.outcome()).isEqualTo(WaitOutcome.LOCK_TIMEOUT);
        assertThat(exclusive.holders()).containsExactlyInAnyOrder(s.sharedHolder1(), s.sharedHolder2());
        KeyHistory pair = key(r, "(7,42)");
        assertThat(pair.key().form()).isEqualTo("pair");
        assertThat(pair.key().tag()).endsWith(",7,42,2]");
        Wait shared = single(pair.waits());
        assertThat(shared.pid()).isEqualTo(s.sharedTimedOut());
        assertThat(shared.mode()).isEqualTo("ShareLock");
        assertThat(shared.shared()).isTrue();
        assertThat(shared.outcome()).isEqualTo(WaitOutcome.LOCK_TIMEOUT);
        assertThat(shared.holders()).containsExactly(s.pairHolder());

        // 3. the deadlock between 3001 and 3002.
        Deadlock d = single(r.deadlocks());
        assertThat(d.victim()).isEqualTo(s.deadlockVictim());
        assertThat(d.cycle()).extracting(Deadlock.Edge::key).containsExactlyInAnyOrder("3001", "3002");
        assertThat(d.cycle()).extracting(Deadlock.Edge::pid).containsExactlyInAnyOrder(s.deadlock1(), s.deadlock2());
        int survivor = s.deadlockVictim() == s.deadlock1() ? s.deadlock2() : s.deadlock1();
        List<Wait> deadlockWaits = r.keys().stream().filter(k -> List.of("3001", "3002").contains(k.key().label()))
                .flatMap(k -> k.waits().stream()).toList();
        assertThat(deadlockWaits).as(as).anyMatch(w -> w.pid() == s.deadlockVictim()
                && w.outcome() == WaitOutcome.DEADLOCK);
        // The survivor's own wait is logged only when it outlasted deadlock_timeout; then it was acquired.
        assertThat(deadlockWaits).as(as).allMatch(w -> w.pid() != survivor || w.outcome() == WaitOutcome.ACQUIRED);
        boolean survivorLogged = deadlockWaits.stream().anyMatch(w -> w.pid() == survivor);
        assertThat(r.summary().deadlocks()).isEqualTo(1);

        // 4. the named key freed by the idle-in-transaction timeout.
        KeyHistory named = key(r, "billing/invoice-42");
        assertThat(named.key().namespace()).isEqualTo("billing");
        Wait idle = single(named.waits());
        assertThat(idle.pid()).isEqualTo(s.freedByIdleTimeout());
        assertThat(idle.outcome()).isEqualTo(WaitOutcome.ACQUIRED);
        assertThat(idle.freedBy()).as(as).isEqualTo("termination of " + s.idleHolder()
                + " (idle-in-transaction timeout)");

        // 5. lock table exhaustion.
        assertThat(r.lockTableFull()).as(as).isNotNull();
        assertThat(r.lockTableFull().pids()).contains(s.tableFiller());
        assertThat(r.summary().causes()).as(as).anyMatch(c -> c.contains("lock table was full"));

        assertThat(r.summary().waits()).as(as).isEqualTo(survivorLogged ? 8 : 7);
        assertThat(r.summary().lockTimeouts()).isEqualTo(4);
        assertThat(r.limits()).anyMatch(l -> l.contains("deadlock_timeout (about 100 ms"));
    }

    /** pgBadger counts "acquired ... on advisory ... after N ms" per mode: each must be an acquired wait here. */
    private static void assertPgBadgerWaitsAreInTheReport(Path log, String prefix, Report r) throws Exception {
        Path out = Files.createTempFile("lockwarden-pgbadger-", ".json");
        try {
            // Its own pid directory: pgBadger refuses to run while another run's /tmp/pgbadger.pid exists.
            Process p = new ProcessBuilder("pgbadger", "-q", "-f", "stderr", "--prefix", prefix, "-x", "json",
                    "--pid-dir", out.getParent().toString(), "--pid-file", out.getFileName() + ".pid",
                    "-o", out.toString(), log.toString()).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor(300, TimeUnit.SECONDS)).as("pgbadger finished").isTrue();
            assertThat(p.exitValue()).as(output).isZero();
            JsonNode locks = new ObjectMapper().readTree(out.toFile()).path("lock_info");
            int counted = 0;
            for (var db = locks.fields(); db.hasNext(); ) {
                for (var mode = db.next().getValue().fields(); mode.hasNext(); ) {
                    var m = mode.next();
                    JsonNode advisory = m.getValue().path("advisory");
                    if (advisory.isMissingNode()) {
                        continue;
                    }
                    List<Wait> ours = r.keys().stream().flatMap(k -> k.waits().stream())
                            .filter(w -> w.outcome() == WaitOutcome.ACQUIRED && w.mode().equals(m.getKey())).toList();
                    assertThat(ours).as("pgBadger's " + m.getKey() + " advisory waits").hasSize(advisory.path("count")
                            .asInt());
                    assertThat(ours.stream().mapToDouble(Wait::waitedMs).sum())
                            .isCloseTo(advisory.path("duration").asDouble(), org.assertj.core.data.Offset.offset(1.0));
                    counted += advisory.path("count").asInt();
                }
            }
            assertThat(counted).as("pgBadger saw the staged acquired waits").isGreaterThanOrEqualTo(2);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    static void validate(String json) throws Exception {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("docs/postmortem-json.schema.json"))) {
            dir = dir.getParent();
        }
        assertThat(dir).as("docs/postmortem-json.schema.json above the working directory").isNotNull();
        JsonSchema schema;
        try (InputStream in = Files.newInputStream(dir.resolve("docs/postmortem-json.schema.json"))) {
            schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(in);
        }
        JsonNode doc = new ObjectMapper().readTree(json);
        assertThat(schema.validate(doc)).as(json).isEmpty();
        com.fasterxml.jackson.databind.node.ObjectNode broken = doc.deepCopy();
        broken.put("format_version", 2);
        broken.remove("keys");
        assertThat(schema.validate(broken)).as("the schema rejects what it should").hasSize(2);
    }

    private static KeyHistory key(Report r, String label) {
        return r.keys().stream().filter(k -> k.key().label().equals(label)).findFirst()
                .orElseThrow(() -> new AssertionError("no key " + label + " in " + ReportFormat.TEXT.render(r)));
    }

    private static List<Wait> waitsOf(KeyHistory k, WaitOutcome o) {
        return k.waits().stream().filter(w -> w.outcome() == o).toList();
    }

    private static <T> T single(List<T> list) {
        assertThat(list).hasSize(1);
        return list.get(0);
    }
}
