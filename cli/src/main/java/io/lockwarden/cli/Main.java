package io.lockwarden.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code lockwarden} command line. Exit codes: 0 clean, 1 findings, 2 bad usage or error.
 *
 * <p>Each subcommand is one class in this package, registered in {@code subcommands} below.
 */
@Command(name = "lockwarden",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Find, fix and prevent stuck PostgreSQL advisory locks.",
        subcommands = {
            CommandLine.HelpCommand.class,
            ScanCommand.class,
        })
public final class Main implements Runnable {

    /** Runs the command line and exits with its exit code. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (for tests). Never throws. */
    public static int run(String... args) {
        return new CommandLine(new Main()).execute(args);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** Reports the version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"lockwarden " + (v == null ? "development build" : v)};
        }
    }
}
