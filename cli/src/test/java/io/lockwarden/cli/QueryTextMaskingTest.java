package io.lockwarden.cli;

import static io.lockwarden.testkit.fixture.LockSessions.exec;
import static io.lockwarden.testkit.fixture.LockSessions.pid;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lockwarden.testkit.fixture.LockSessions;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Query texts leave every command with literals as placeholders; only {@code --show-query-text} shows them whole
 * (issue 21, point 3). The session holds its lock for real and ran the secret-bearing statement last.
 */
class QueryTextMaskingTest {
    private static final PostgresServer SERVER = PostgresServer.shared();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static CliRun cli(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = args[0];
        all[1] = "--url";
        all[2] = SERVER.jdbcUrl();
        System.arraycopy(args, 1, all, 3, args.length - 1);
        return CliRun.run(CliRun.env(SERVER), all);
    }

    @Test
    void diagnoseAndReleaseShowPlaceholdersAndTheFullTextOnlyWhenAsked() throws Exception {
        try (LockSessions s = new LockSessions(SERVER)) {
            Connection c = s.open("masking-holder");
            exec(c, "SELECT pg_advisory_lock(7301)");
            int pid = pid(c);
            // a comment before the literal and a dollar-quoted one: both passed the old PASSWORD '...' pattern
            exec(c, "SELECT /* pw */ $$dollar-s3cret$$ AS a, E'e-s3cret\\'' AS b, 'password=conn-s3cret' AS c");
            String masked = "SELECT /* pw */ $1 AS a, $2 AS b, $3 AS c";

            CliRun json = cli("diagnose", "--format", "json");
            assertThat(json.out()).doesNotContain("s3cret");
            JsonNode session = null;
            for (JsonNode n : JSON.readTree(json.out()).path("sessions")) {
                if (n.path("pid").asInt() == pid) {
                    session = n;
                }
            }
            assertThat(session).as(json.err() + json.out()).isNotNull();
            assertThat(session.path("query").asText()).isEqualTo(masked);

            CliRun text = cli("diagnose", "--all", "--verbose");
            assertThat(text.out() + text.err()).doesNotContain("s3cret");

            CliRun plan = cli("release", "--pid", String.valueOf(pid), "--dry-run");
            assertThat(plan.out()).as(plan.err()).contains("last query: " + masked).doesNotContain("s3cret");

            CliRun whole = cli("release", "--pid", String.valueOf(pid), "--dry-run", "--show-query-text");
            assertThat(whole.out()).contains("$$dollar-s3cret$$");
            assertThat(cli("diagnose", "--format", "json", "--show-query-text").out()).contains("conn-s3cret");
            assertThat(s.locksInPgLocks(pid)).as("dry runs terminate nothing").isEqualTo(1);
        }
    }

    @Test
    void postmortemShowsTheWaitingStatementWithPlaceholdersAndStillDecodesItsKey() throws Exception {
        Path log = Files.writeString(dir.resolve("postgresql.log"), String.join("\n",
                "2026-12-01 08:00:05.000 UTC [201] LOG:  process 201 still waiting for ExclusiveLock on advisory "
                        + "lock [5,0,4242,1] after 1000.050 ms",
                "2026-12-01 08:00:05.000 UTC [201] DETAIL:  Process holding the lock: 200. Wait queue: 201.",
                "2026-12-01 08:00:05.000 UTC [201] STATEMENT:  SELECT pg_advisory_lock(4242) "
                        + "FROM accounts WHERE token = 'tok-s3cret'",
                "2026-12-01 08:00:06.000 UTC [201] ERROR:  canceling statement due to lock timeout",
                "2026-12-01 08:00:06.000 UTC [201] STATEMENT:  SELECT pg_advisory_lock(4242) "
                        + "FROM accounts WHERE token = 'tok-s3cret'", ""));
        for (String format : new String[] {"text", "json", "html"}) {
            CliRun r = CliRun.run(Map.of(), "postmortem", log.toString(), "--format", format);
            assertThat(r.exit()).as(r.err()).isEqualTo(1);
            assertThat(r.out()).as(format).contains("4242").doesNotContain("s3cret");
        }
        CliRun json = CliRun.run(Map.of(), "postmortem", log.toString(), "--format", "json");
        assertThat(json.out()).contains("SELECT pg_advisory_lock($1) FROM accounts WHERE token = $2");
    }
}
