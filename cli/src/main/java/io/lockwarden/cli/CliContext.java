package io.lockwarden.cli;

import java.io.BufferedReader;
import java.io.Console;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The process surroundings a command runs in: streams, environment variables and whether a person
 * is at a terminal. {@link #system()} is the real one; tests build their own to capture output.
 *
 * @param out         standard output (reports)
 * @param err         standard error (errors, prompts)
 * @param in          standard input (confirmation answers)
 * @param env         environment variables ({@code PGHOST}, {@code PGPASSWORD}, {@code NO_COLOR}, ...)
 * @param interactive true when a person is at a terminal: colors, prompts and confirmations are used
 * @param passwords   reads a password without echo, or null when none can be read
 */
public record CliContext(PrintStream out, PrintStream err, InputStream in, Map<String, String> env,
                         boolean interactive, PasswordReader passwords) {

    /** Reads a secret from the person at the terminal without echoing it. */
    @FunctionalInterface
    public interface PasswordReader {
        /** Shows the prompt and returns what was typed, or null at end of input. */
        char[] read(String prompt);
    }

    /** Validates the parts. */
    public CliContext {
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(err, "err");
        Objects.requireNonNull(in, "in");
        env = Map.copyOf(env);
    }

    /** The real process: {@code System.out/err/in}, {@code System.getenv()}, the console if any. */
    public static CliContext system() {
        Console console = System.console();
        return new CliContext(System.out, System.err, System.in, System.getenv(), console != null,
                console == null ? null : prompt -> console.readPassword("%s", prompt));
    }

    /** A non-interactive context for tests and scripts. */
    public static CliContext of(PrintStream out, PrintStream err, Map<String, String> env) {
        return new CliContext(out, err, InputStream.nullInputStream(), env, false, null);
    }

    /** An environment variable, when set and not empty. */
    public Optional<String> getenv(String name) {
        String v = env.get(name);
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v);
    }

    /** True when output may use ANSI colors: interactive and {@code NO_COLOR} unset. */
    public boolean color() {
        return interactive && getenv("NO_COLOR").isEmpty();
    }

    /** Asks a yes/no question on stderr and reads the answer from {@link #in()}; true only for y/yes. */
    public boolean confirm(String question) {
        err.print(question + " [y/N] ");
        err.flush();
        try {
            String line = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).readLine();
            return line != null && (line.trim().equalsIgnoreCase("y") || line.trim().equalsIgnoreCase("yes"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
