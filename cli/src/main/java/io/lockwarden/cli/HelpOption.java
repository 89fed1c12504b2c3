package io.lockwarden.cli;

import picocli.CommandLine.Option;

/**
 * {@code --help} (and {@code -?}) for commands that do not connect to PostgreSQL: {@code -h} is never help in
 * lockwarden, since it means host in every command that connects (as in psql). Use it with {@code @Mixin}.
 * Not thread-safe (picocli fills it).
 */
final class HelpOption {
    @Option(names = {"-?", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;
}
