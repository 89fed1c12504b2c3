package io.lockwarden.cli;

import io.lockwarden.cli.internal.OutputFile;
import io.lockwarden.cli.internal.OutputFileException;
import io.lockwarden.scan.Baseline;
import io.lockwarden.scan.ReportFormat;
import io.lockwarden.scan.ScanException;
import io.lockwarden.scan.ScanResult;
import io.lockwarden.scan.Scanner;
import io.lockwarden.scan.Severity;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code lockwarden scan PATH...}: static analysis for unsafe advisory lock code and pooler configs.
 * Exit codes: 0 no finding at or above {@code --fail-on}, 1 such findings, 2 bad usage or unreadable
 * input (one line on stderr). Not thread safe (one instance per invocation).
 */
@Command(name = "scan",
        description = {"Find unsafe PostgreSQL advisory lock code (Java, SQL, Python, Ruby, Go, JS/TS, Kotlin, "
                + "C#, PHP, Rust, Elixir) "
                + "and PgBouncer settings before they ship.",
            "Exit codes: 0 clean, 1 findings at or above --fail-on, 2 bad usage or unreadable input."})
public final class ScanCommand implements Callable<Integer> {

    @picocli.CommandLine.Mixin
    HelpOption helpOption;

    @ParentCommand
    Main main;

    @Parameters(arity = "0..*", paramLabel = "PATH", description = "Files or directories to scan.")
    List<Path> paths = new ArrayList<>();

    @Option(names = "--format", paramLabel = "FORMAT", completionCandidates = Candidates.ScanFormats.class,
            description = "text (default), json or sarif.")
    String format = "text";

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write the report here instead of stdout.")
    Path output;

    @Option(names = "--fail-on", paramLabel = "SEVERITY",
            description = "Exit 1 when a finding is at least this severe: warning (default) or error.")
    String failOn = "warning";

    @Option(names = "--baseline", paramLabel = "FILE", description = "Ignore findings recorded in this baseline.")
    Path baseline;

    @Option(names = "--write-baseline", paramLabel = "FILE",
            description = "Record all current findings in FILE and exit 0.")
    Path writeBaseline;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: all cores).")
    Integer threads;

    @Override
    public Integer call() {
        PrintStream err = main.context().err();
        try {
            if (paths.isEmpty()) {
                return usage(err, "no PATH given: run lockwarden scan PATH... with files or directories to scan");
            }
            ReportFormat fmt;
            Severity threshold;
            try {
                fmt = ReportFormat.parse(format);
                threshold = Severity.parse(failOn);
            } catch (IllegalArgumentException e) {
                return usage(err, e.getMessage());
            }
            if (threshold == Severity.NOTE) {
                return usage(err, "--fail-on note is not supported: use warning or error");
            }
            if (threads != null && threads < 1) {
                return usage(err, "--threads must be at least 1");
            }
            for (Path target : new Path[] {output, writeBaseline}) {
                if (target != null) {
                    OutputFile.check(target);
                }
            }
            Scanner.Builder b = Scanner.builder().baseDirectory(Path.of("").toAbsolutePath());
            if (threads != null) {
                b.threads(threads);
            }
            if (baseline != null) {
                if (!Files.isRegularFile(baseline)) {
                    return usage(err, "baseline " + baseline + " does not exist: create it with --write-baseline "
                            + baseline);
                }
                b.baseline(Baseline.read(baseline));
            }
            ScanResult result = b.build().scan(paths);
            if (writeBaseline != null) {
                OutputFile.write(writeBaseline, Baseline.json(result.findings()));
                err.println("wrote " + result.findings().size() + " finding(s) to baseline " + writeBaseline);
                err.flush();
                return 0;
            }
            String report = fmt.render(result, version());
            if (output != null) {
                OutputFile.write(output, report);
            } else {
                PrintStream out = main.context().out();
                out.print(report);
                out.flush();
            }
            return result.hasFindingsAtLeast(threshold) ? 1 : 0;
        } catch (ScanException e) {
            return usage(err, e.getMessage());
        } catch (OutputFileException e) {
            return usage(err, e.getMessage());
        } catch (RuntimeException e) {
            if (main.verbose) {
                e.printStackTrace(err);
            }
            return usage(err, "scan failed: " + e + " (rerun with --verbose for the stack trace)");
        }
    }

    private static int usage(PrintStream err, String message) {
        err.println("lockwarden scan: " + message);
        err.flush();
        return 2;
    }

    private static String version() {
        String v = ScanCommand.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0-SNAPSHOT" : v;
    }
}
