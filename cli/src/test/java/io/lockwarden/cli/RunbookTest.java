package io.lockwarden.cli;

import static io.lockwarden.testkit.fixture.LockSessions.exec;
import static io.lockwarden.testkit.fixture.LockSessions.pid;
import static org.assertj.core.api.Assertions.assertThat;

import io.lockwarden.testkit.fixture.LockSessions;
import io.lockwarden.testkit.fixture.PgBouncer;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Executes every block of docs/runbook.md marked runnable, in order, against a staged incident (a leaked
 * session lock with a waiter behind it, a real PgBouncer): {@code sql runnable} blocks over JDBC ({@code
 * pgbouncer}: on PgBouncer's admin console; {@code expect-rows}: the last statement must return rows), and
 * {@code sh runnable} blocks, whose lines are {@code lockwarden} commands, in-process with the runbook's
 * variables set. Every statement must succeed and no command may exit 2; at the end the leak is gone.
 */
class RunbookTest {
    private static final Pattern FENCE = Pattern.compile("(?ms)^```(sql|sh) runnable([^\\n]*)\\n(.*?)^```");

    /** One runnable block: its language, its flags (after "runnable") and its text. */
    record Block(String language, String flags, String text, int line) {
    }

    static List<Block> blocks() throws Exception {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("docs/runbook.md"))) {
            dir = dir.getParent();
        }
        assertThat(dir).as("docs/runbook.md above the working directory").isNotNull();
        String md = Files.readString(dir.resolve("docs/runbook.md"));
        List<Block> out = new ArrayList<>();
        Matcher m = FENCE.matcher(md);
        while (m.find()) {
            int line = (int) md.substring(0, m.start()).lines().count() + 1;
            out.add(new Block(m.group(1), m.group(2).trim(), m.group(3), line));
        }
        return out;
    }

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {14, 18})
    void everyRunnableBlockOfTheRunbookWorksOnAStagedIncident(int version) throws Exception {
        PostgresServer server = PostgresServer.shared(version);
        List<Block> blocks = blocks();
        assertThat(blocks.stream().map(Block::language)).contains("sql", "sh");
        try (PgBouncer bouncer = PgBouncer.builder(server).start(); LockSessions s = new LockSessions(server)) {
            Connection leaker = s.open("runbook-leaker");
            int leaked = pid(leaker);
            leaker.setAutoCommit(false);
            exec(leaker, "SELECT pg_advisory_lock(424242)");
            leaker.rollback(); // the leak: ROLLBACK does not release a session-level lock
            leaker.setAutoCommit(true);
            Connection waiter = s.open("runbook-waiter");
            Future<?> waiting = s.blockOn(waiter, "SELECT pg_advisory_lock(424242)");

            Map<String, String> env = CliRun.env(server);
            env.put("DATABASE_URL", server.jdbcUrl());
            env.put("PGBOUNCER_CONSOLE", "jdbc:postgresql://127.0.0.1:" + bouncer.port() + "/pgbouncer");
            env.put("PIDS", String.valueOf(leaked));
            int commands = 0;
            for (Block b : blocks) {
                String where = "docs/runbook.md line " + b.line() + " (" + b.language() + " " + b.flags() + ")";
                if (b.language().equals("sql")) {
                    if (b.flags().contains("pgbouncer")) {
                        assertThat(bouncer.console(b.text().strip().replaceAll(";$", ""))).as(where).isNotNull(); // no error
                    } else {
                        runSql(server, b, where);
                    }
                } else {
                    for (String command : commands(b.text())) {
                        List<String> args = words(command, env);
                        assertThat(args.get(0)).as(where + ": sh runnable lines are lockwarden commands")
                                .isEqualTo("lockwarden");
                        CliRun r = CliRun.run(env, args.subList(1, args.size()).toArray(String[]::new));
                        assertThat(r.exit()).as(where + ": " + command + "\n" + r.out() + r.err()).isIn(0, 1);
                        commands++;
                    }
                }
            }
            assertThat(commands).isGreaterThanOrEqualTo(4);
            assertThat(s.alive(leaked)).as("the runbook's release step ended the leaked session").isFalse();
            waiting.get(30, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    private static void runSql(PostgresServer server, Block b, String where) throws Exception {
        try (Connection c = server.connect("runbook"); Statement st = c.createStatement()) {
            boolean lastHadRows = false;
            for (String sql : statements(b.text())) {
                if (st.execute(sql)) {
                    try (ResultSet rs = st.getResultSet()) {
                        lastHadRows = rs.next();
                    }
                }
            }
            if (b.flags().contains("expect-rows")) {
                assertThat(lastHadRows).as(where + " returns rows during the incident").isTrue();
            }
        }
    }

    /** Statements of a block: split on ';' at line ends, comments dropped. */
    static List<String> statements(String text) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : text.lines().toList()) {
            String code = line.replaceFirst("\\s*--.*$", "");
            current.append(code).append('\n');
            if (code.strip().endsWith(";")) {
                out.add(current.toString().strip().replaceAll(";$", ""));
                current.setLength(0);
            }
        }
        if (!current.toString().isBlank()) {
            out.add(current.toString().strip());
        }
        return out;
    }

    /** Shell lines (continuations joined, comments dropped). */
    static List<String> commands(String text) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : text.lines().toList()) {
            if (line.strip().startsWith("#") || line.isBlank()) {
                continue;
            }
            if (line.endsWith("\\")) {
                current.append(line, 0, line.length() - 1).append(' ');
            } else {
                out.add(current.append(line).toString().strip());
                current.setLength(0);
            }
        }
        return out;
    }

    /** Splits a shell line into words, expanding "$VAR" from env; double quotes group. */
    static List<String> words(String line, Map<String, String> env) {
        Matcher var = Pattern.compile("\\$\\{?([A-Z_]+)}?").matcher(line);
        StringBuilder expanded = new StringBuilder();
        while (var.find()) {
            String value = env.get(var.group(1));
            assertThat(value).as("variable $" + var.group(1) + " in: " + line).isNotNull();
            var.appendReplacement(expanded, Matcher.quoteReplacement(value));
        }
        var.appendTail(expanded);
        List<String> out = new ArrayList<>();
        Matcher w = Pattern.compile("\"([^\"]*)\"|(\\S+)").matcher(expanded);
        while (w.find()) {
            out.add(w.group(1) != null ? w.group(1) : w.group(2));
        }
        return out;
    }
}
