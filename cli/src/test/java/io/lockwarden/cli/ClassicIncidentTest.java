package io.lockwarden.cli;

import static io.lockwarden.testkit.fixture.LockSessions.exec;
import static io.lockwarden.testkit.fixture.LockSessions.pid;
import static org.assertj.core.api.Assertions.assertThat;

import io.lockwarden.testkit.fixture.LockSessions;
import io.lockwarden.testkit.fixture.PgBouncer;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The classic incident on a staging copy: 10 PgBouncer server connections in transaction pooling holding 47
 * leaked session locks after rolled-back transactions, 3 waiters behind them, one session idle in transaction
 * with uncommitted writes, one healthy worker holding a transaction lock. One screen, one safe command.
 */
class ClassicIncidentTest {
    private static final PostgresServer SERVER = PostgresServer.shared();
    private static final int CONNECTIONS = 10;

    @Test
    void classicIncidentFitsInFortyLinesWithOneSafeCommandThatEndsIt() throws Exception {
        try (PgBouncer bouncer = PgBouncer.builder(SERVER).poolSize(CONNECTIONS).start();
             LockSessions s = new LockSessions(SERVER)) {
            List<Connection> clients = new ArrayList<>();
            List<Integer> pooled = new ArrayList<>();
            int key = 1001;
            try {
                for (int i = 0; i < CONNECTIONS; i++) {
                    Connection c = bouncer.connect();
                    clients.add(c);
                    c.setAutoCommit(false); // every client inside a transaction at once: 10 distinct server connections
                    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
                        rs.next();
                        pooled.add(rs.getInt(1));
                    }
                }
                for (int i = 0; i < CONNECTIONS; i++) {
                    int n = i < 7 ? 5 : 4; // 7 * 5 + 3 * 4 = 47
                    for (int j = 0; j < n; j++) {
                        exec(clients.get(i), "SELECT pg_advisory_lock(" + key++ + ")");
                    }
                }
                for (Connection c : clients) {
                    c.rollback(); // the bug: ROLLBACK does not release a session-level lock
                }
            } finally {
                for (Connection c : clients) {
                    c.close();
                }
            }
            assertThat(pooled).doesNotHaveDuplicates();
            Connection writer = s.open("billing-worker");
            exec(writer, "CREATE TABLE IF NOT EXISTS classic_writes (id int)");
            writer.setAutoCommit(false);
            exec(writer, "SELECT pg_advisory_xact_lock(2001)");
            exec(writer, "INSERT INTO classic_writes VALUES (1)");
            int writerPid = pid(writer);
            Connection healthy = s.open("healthy-worker");
            int healthyPid = pid(healthy);
            healthy.setAutoCommit(false);
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newSingleThreadExecutor();
            Future<?> working = pool.submit(() -> {
                exec(healthy, "SELECT pg_advisory_xact_lock(3001), pg_sleep(600)");
                return null;
            });
            for (int i = 0; i < 500 && s.heldInPgLocks(healthyPid) == 0; i++) {
                Thread.sleep(20);
            }
            List<Integer> waiters = new ArrayList<>();
            List<Future<?>> waits = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Connection w = s.open("waiting-worker");
                waiters.add(pid(w));
                waits.add(s.blockOn(w, "SELECT pg_advisory_lock(" + (1001 + i * 5) + ")"));
            }
            try {
                String console = "jdbc:postgresql://127.0.0.1:" + bouncer.port() + "/pgbouncer";
                String out = null;
                for (int width : new int[] {80, 100, 160}) {
                    java.util.Map<String, String> env = new java.util.HashMap<>(CliRun.env(SERVER));
                    env.put("COLUMNS", String.valueOf(width));
                    CliRun r = CliRun.run(env, "diagnose", "--url", SERVER.jdbcUrl(), "--pgbouncer", console);
                    // kept for people to look at (and for the docs): target/classic-incident-WIDTH.txt
                    java.nio.file.Files.writeString(java.nio.file.Path.of("target", "classic-incident-" + width + ".txt"),
                            r.out());
                    assertThat(r.err()).isEmpty();
                    assertThat(r.exit()).isEqualTo(1);
                    assertThat(r.out().lines().filter(l -> l.length() > width)).as("wider than %d:%n%s", width, r.out())
                            .isEmpty();
                    if (width == 100) {
                        out = r.out();
                    }
                }
                assertThat(out.lines().count()).as(out).isLessThanOrEqualTo(40);
                String flat = out.replaceAll("\\s*\\n\\s+", " ");
                assertThat(flat).contains("10 PgBouncer server connections in transaction pooling hold 47 session-level "
                        + "advisory locks outside any transaction; 3 sessions wait behind them");
                assertThat(flat).contains("taken in a transaction that rolled back", "docs/runbook.md",
                        "fix: not by ending " + writerPid + ": let its application");
                assertThat(out).containsPattern(healthyPid + "\\s+healthy-worker\\s+active");
                for (int w : waiters) {
                    assertThat(out).containsPattern(w + " \\(waiting-worker \\d+s\\) waits for 10(01|06|11), held by "
                            + "\\d+");
                }
                Matcher fix = Pattern.compile("fix: (lockwarden release (?:--pid [0-9,]+ (?:\\\\\\n\\s+)?)+--url \\S+)")
                        .matcher(out);
                assertThat(fix.find()).as(out).isTrue();
                String command = fix.group(1).replaceAll(" \\\\\\n\\s+", " ");
                List<Integer> fixPids = new ArrayList<>();
                Matcher pidOption = Pattern.compile("--pid ([0-9,]+)").matcher(command);
                while (pidOption.find()) {
                    Arrays.stream(pidOption.group(1).split(",")).map(Integer::valueOf).forEach(fixPids::add);
                }
                assertThat(fixPids).containsExactlyInAnyOrderElementsOf(pooled);
                assertThat(out.indexOf("fix: lockwarden release")).isLessThan(out.indexOf("Settings"));

                // the printed command, as printed (plus --yes: no terminal here), ends exactly the leaked ones
                List<String> args = new ArrayList<>(Arrays.asList(command.split(" ")));
                args.remove(0);
                args.add("--yes");
                CliRun release = CliRun.run(CliRun.env(SERVER), args.toArray(String[]::new));
                assertThat(release.exit()).as(release.out() + release.err()).isZero();
                for (int p : pooled) {
                    assertThat(s.locksInPgLocks(p)).isZero();
                }
                for (Future<?> w : waits) {
                    w.get(30, java.util.concurrent.TimeUnit.SECONDS); // the waiters got their locks
                }
                assertThat(s.alive(writerPid)).isTrue();
                assertThat(s.heldInPgLocks(writerPid)).isEqualTo(1);
                assertThat(s.alive(healthyPid)).isTrue();
                assertThat(working.isDone()).isFalse();
            } finally {
                pool.shutdownNow();
                try (Connection su = SERVER.connect()) {
                    for (int p : pooled) {
                        exec(su, "SELECT pg_terminate_backend(" + p + ", 5000)");
                    }
                }
            }
        }
    }
}
