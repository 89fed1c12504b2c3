package io.lockwarden.cli.internal.demo;

import java.io.PrintStream;

/** Runs one {@code lockwarden} command (diagnose, release, postmortem) as a user would type it; returns its exit code. */
@FunctionalInterface
public interface CommandRunner {
    /** Runs {@code lockwarden args...}, printing to {@code out}, with the demo server's login in the environment. */
    int run(PrintStream out, String... args);
}
