package io.lockwarden.cli;

import io.lockwarden.testkit.fixture.PostgresServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** One in-process run of the command line with captured output. */
record CliRun(int exit, String out, String err) {

    /** The superuser login for a server, as environment variables. */
    static Map<String, String> env(PostgresServer server) {
        Map<String, String> env = new HashMap<>();
        env.put("PGUSER", PostgresServer.SUPERUSER);
        env.put("PGPASSWORD", server.password());
        return env;
    }

    static CliRun run(Map<String, String> env, String... args) {
        return run(env, false, "", null, args);
    }

    static CliRun run(Map<String, String> env, boolean interactive, String stdin,
                      CliContext.PasswordReader passwords, String... args) {
        return run(env, interactive, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), passwords, args);
    }

    /** A run whose standard input is {@code in}: a test can act while the command waits for an answer. */
    static CliRun run(Map<String, String> env, boolean interactive, java.io.InputStream in,
                      CliContext.PasswordReader passwords, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CliContext ctx = new CliContext(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                in, env, interactive, passwords);
        int exit = Main.run(ctx, args);
        return new CliRun(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
