package io.lockwarden.cli;

import io.lockwarden.inspect.InspectionException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code lockwarden} command line. Exit codes: 0 clean, 1 findings, 2 bad usage or error.
 *
 * <p>Each subcommand is one class in this package, registered in {@code subcommands} below. A
 * subcommand reaches the streams and environment through {@code @ParentCommand Main main} and
 * {@link #context()}. Errors are printed as one line on stderr (stack trace only with
 * {@code --verbose}).
 */
@Command(name = "lockwarden",
        versionProvider = Main.Version.class,
        description = "Find, fix and prevent stuck PostgreSQL advisory locks.",
        subcommands = {
            CommandLine.HelpCommand.class,
            DiagnoseCommand.class,
            ReleaseCommand.class,
            DemoCommand.class,
            ScanCommand.class,
            SoakCommand.class,
            WatchCommand.class,
            PostmortemCommand.class,
        })
public final class Main implements Runnable {

    @picocli.CommandLine.Mixin
    HelpOption helpOption;

    @Option(names = {"-V", "--version"}, versionHelp = true, description = "Print version information and exit.")
    boolean versionRequested;
    static {
        // A command-line tool prints its report, not library chatter: libraries log at WARN unless the
        // user asks for more with -Dorg.slf4j.simpleLogger.defaultLogLevel=debug. The pool's own
        // warnings about sessions we terminated on purpose (demo, release) are noise too.
        defaultProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        defaultProperty("org.slf4j.simpleLogger.log.com.zaxxer.hikari", "error");
        // the watchdog's incident, enforcement and reload lines are its output
        defaultProperty("org.slf4j.simpleLogger.log.io.lockwarden.watch", "info");
    }

    /** Held so the level set on it is not lost when the logger would otherwise be garbage collected. */
    private static final java.util.logging.Logger JUL_ROOT = java.util.logging.Logger.getLogger("");

    /**
     * java.util.logging (pgjdbc's "Unsupported Server Version", with its date line) reaches the terminal only
     * with --verbose: the CLI's own messages are one line each.
     */
    static void driverLogging(boolean verbose) {
        JUL_ROOT.setLevel(verbose ? java.util.logging.Level.INFO : java.util.logging.Level.OFF);
    }

    private static void defaultProperty(String name, String value) {
        if (System.getProperty(name) == null) {
            System.setProperty(name, value);
        }
    }

    @Option(names = "--verbose", scope = ScopeType.INHERIT,
            description = "Show stack traces of errors and the database driver's log messages; diagnose also "
                    + "lists every finding.")
    boolean verbose;

    private final CliContext context;

    /** A root command running in the real process surroundings. */
    public Main() {
        this(CliContext.system());
    }

    /** A root command running in the given surroundings (tests pass captured streams and environment). */
    public Main(CliContext context) {
        this.context = context;
    }

    /** Runs the command line and exits with its exit code. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (for tests). Never throws. */
    public static int run(String... args) {
        return run(CliContext.system(), args);
    }

    /**
     * Runs the command line in the given surroundings and returns its exit code: 0 clean, 1 findings,
     * 2 bad usage or error. Never throws; errors go to {@code context.err()} as one line.
     */
    public static int run(CliContext context, String... args) {
        boolean verbose = Arrays.asList(args).contains("--verbose");
        driverLogging(verbose);
        CommandLine cl = new CommandLine(new Main(context));
        // help wraps at the terminal's width (COLUMNS, the tty, else 100), as diagnose does
        cl.setUsageHelpWidth(TerminalWidth.of(context));
        cl.setOut(new PrintWriter(context.out(), true));
        cl.setErr(new PrintWriter(context.err(), true));
        cl.setParameterExceptionHandler((ex, a) -> {
            String help = ex.getCommandLine().getCommandSpec().qualifiedName() + " --help";
            context.err().println("lockwarden: " + parameterProblem(ex) + " (see '" + help + "')");
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            String message = ex instanceof CliException || ex instanceof InspectionException
                    || ex instanceof io.lockwarden.watch.ConfigException ? ex.getMessage()
                    : ex.getClass().getSimpleName() + ": " + ex.getMessage() + " (run with --verbose for details)";
            context.err().println("lockwarden: " + oneLine(message));
            if (verbose) {
                ex.printStackTrace(context.err());
            }
            return 2;
        });
        return cl.execute(args);
    }

    /**
     * picocli's message, except that an unexpected word is not echoed unless it is plainly an option: an
     * unquoted password with a space ({@code --url postgresql://u:pa ss@db}) reaches here as a stray word.
     */
    private static String parameterProblem(CommandLine.ParameterException ex) {
        if (ex instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
            List<String> words = u.getUnmatched();
            boolean options = words.stream().allMatch(w -> w.matches("-[-A-Za-z0-9?]*"));
            if (!options) {
                return words.size() + " unexpected argument(s), not shown in case they hold a secret: quote a "
                        + "connection string or password that contains spaces, e.g. --url 'postgresql://...'";
            }
        }
        return oneLine(ex.getMessage()).replaceFirst("^Error: ", "");
    }

    private static String oneLine(String s) {
        // server messages may quote names and texts from the database: no control character reaches the terminal
        return s == null ? "unknown error"
                : io.lockwarden.inspect.ControlCharacters.escape(s.replaceAll("\\s*\\R\\s*", " ").trim());
    }

    /** The streams, environment and terminal this run uses. */
    public CliContext context() {
        return context;
    }

    @Override
    public void run() {
        new CommandLine(this).setUsageHelpWidth(TerminalWidth.of(context)).usage(context.out());
    }

    /**
     * Reports the version, the git commit it was built from and the PostgreSQL and PgBouncer versions
     * the build was tested with, from {@code build.properties} written by the build. Thread-safe.
     */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            Properties build = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("build.properties")) {
                if (in != null) {
                    build.load(in);
                }
            } catch (IOException e) {
                // an unreadable resource only costs the details below: report what is known
            }
            String version = known(build.getProperty("version"), "development build");
            String commit = known(build.getProperty("commit"), "unknown");
            if ("true".equals(build.getProperty("dirty")) && !"unknown".equals(commit)) {
                commit += " (with uncommitted changes)";
            }
            String postgres = known(build.getProperty("postgresql"), "unknown");
            return new String[] {
                "lockwarden " + version,
                "commit " + commit,
                // the binaries' Maven versions are MAJOR.MINOR.0: PostgreSQL calls that MAJOR.MINOR
                "tested with PostgreSQL " + java.util.Arrays.stream(postgres.trim().split("\\s+"))
                        .map(v -> v.replaceFirst("^(\\d+\\.\\d+)\\.0$", "$1")).collect(java.util.stream.Collectors.joining(", "))
                        + " and PgBouncer " + known(build.getProperty("pgbouncer"), "unknown"),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")",
            };
        }

        private static String known(String value, String otherwise) {
            // an unfiltered placeholder means the build could not supply the value (e.g. no git checkout)
            return value == null || value.isBlank() || value.contains("${") ? otherwise : value;
        }
    }
}
