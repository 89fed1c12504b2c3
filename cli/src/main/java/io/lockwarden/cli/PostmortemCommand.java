package io.lockwarden.cli;

import io.lockwarden.LockKey;
import io.lockwarden.cli.internal.OutputFile;
import io.lockwarden.cli.internal.OutputFileException;
import io.lockwarden.postmortem.LogFormat;
import io.lockwarden.postmortem.LogReader;
import io.lockwarden.postmortem.Postmortem;
import io.lockwarden.postmortem.Report;
import io.lockwarden.postmortem.ReportFormat;
import io.lockwarden.postmortem.UnreadableLogException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code lockwarden postmortem LOGFILE...}: reconstructs an advisory lock incident from PostgreSQL server logs
 * (see docs/postmortem.md). Exit codes: 0 no incident in the log, 1 an incident (advisory waits, lock timeouts,
 * deadlocks or a full lock table), 2 bad input (unreadable or non-PostgreSQL file, bad option). Not thread-safe
 * (one instance per invocation).
 */
@Command(name = "postmortem", description = {"Reconstruct an advisory lock incident from PostgreSQL server logs: who held which key, who "
                + "waited, how each wait ended, which termination freed whom, and the timeline.",
            "Reads stderr (any log_line_prefix), csvlog, jsonlog and syslog logs, plain or gzip; '-' reads stdin."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:no advisory lock incident in the log", "1:an incident (waits, lock timeouts, deadlocks, "
                + "lock table full)", "2:bad input (unreadable or non-PostgreSQL file, bad option)"})
final class PostmortemCommand implements Callable<Integer> {

    @picocli.CommandLine.Mixin
    HelpOption helpOption;

    @ParentCommand
    Main main;

    @Parameters(arity = "0..*", paramLabel = "LOGFILE", description = "Server log files (plain or .gz); - for stdin.")
    List<Path> files = new ArrayList<>();

    @Option(names = "--since", paramLabel = "TIME",
            description = "Ignore entries before TIME: 2026-12-01T08:00:00Z, or '2026-12-01 08:00:00' (UTC).")
    String since;

    @Option(names = "--until", paramLabel = "TIME", description = "Ignore entries after TIME (same forms as --since).")
    String until;

    @Option(names = "--database", paramLabel = "NAME", description = "Only entries of this database.")
    String database;

    @Option(names = "--namespace", paramLabel = "NS",
            description = "Namespace of named keys (LockKey.named) to label as NS/#id; repeatable.")
    List<String> namespaces = new ArrayList<>();

    @Option(names = "--key", paramLabel = "NS/NAME",
            description = "A named key to label with its full name, e.g. billing/invoice-42; repeatable.")
    List<String> keys = new ArrayList<>();

    @Option(names = "--prefix", paramLabel = "LOG_LINE_PREFIX",
            description = "The server's log_line_prefix for stderr/syslog logs (as pgBadger's --prefix), "
                    + "instead of detecting it.")
    String prefix;

    @Option(names = "--log-format", paramLabel = "LOG_FORMAT", completionCandidates = Candidates.LogFormats.class,
            description = "stderr, csvlog, jsonlog or syslog, instead of detecting it.")
    String logFormat;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text",
            completionCandidates = Candidates.PostmortemFormats.class,
            description = "text (default), json (docs/postmortem-json.md) or html (one self-contained file).")
    String format;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write the report here instead of stdout.")
    Path output;

    @Override
    public Integer call() {
        PrintStream err = main.context().err();
        if (files.isEmpty()) {
            return usage(err, "no LOGFILE given: run lockwarden postmortem /var/log/postgresql/postgresql.log "
                    + "(or - to read stdin)");
        }
        ReportFormat fmt;
        Postmortem.Builder pm = Postmortem.builder();
        LogReader.Builder reader = LogReader.builder().prefix(prefix);
        try {
            fmt = ReportFormat.parse(format);
            if (logFormat != null) {
                reader.format(logFormat(logFormat));
            }
            if (since != null) {
                pm.since(time("--since", since));
            }
            if (until != null) {
                pm.until(time("--until", until));
            }
        } catch (IllegalArgumentException e) {
            return usage(err, e.getMessage());
        }
        if (database != null) {
            pm.database(database);
        }
        namespaces.forEach(pm::namespace);
        for (String k : keys) {
            int slash = k.indexOf('/');
            if (slash <= 0 || slash == k.length() - 1) {
                return usage(err, "--key '" + k + "' is not NS/NAME: write it as namespace/name, e.g. billing/invoice-42");
            }
            pm.knownKey(LockKey.named(k.substring(0, slash), k.substring(slash + 1)));
        }
        if (output != null) {
            try {
                OutputFile.check(output);
            } catch (OutputFileException e) {
                return usage(err, e.getMessage());
            }
        }
        Report report;
        try {
            report = pm.build().analyze(reader.build(), files, main.context().in());
        } catch (UnreadableLogException e) {
            return usage(err, e.getMessage());
        }
        String text = fmt.render(report);
        if (output == null) {
            PrintStream out = main.context().out();
            out.print(text);
            out.flush();
        } else {
            try {
                OutputFile.write(output, text);
            } catch (OutputFileException e) {
                return usage(err, e.getMessage());
            }
        }
        return report.incident() ? 1 : 0;
    }

    private static LogFormat logFormat(String name) {
        try {
            return LogFormat.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown --log-format '" + name + "': use stderr, csvlog, jsonlog or "
                    + "syslog, or leave it out to detect the format");
        }
    }

    /** Parses an ISO instant, an ISO time with offset, or {@code yyyy-MM-dd HH:mm[:ss]} in UTC. */
    static Instant time(String option, String value) {
        String v = value.trim();
        try {
            return OffsetDateTime.parse(v.replace(' ', 'T')).toInstant();
        } catch (DateTimeException e) {
            try {
                return LocalDateTime.parse(v.replace(' ', 'T')).toInstant(ZoneOffset.UTC);
            } catch (DateTimeException e2) {
                throw new IllegalArgumentException(option + " '" + value + "' is not a time: use "
                        + "2026-12-01T08:00:00Z or '2026-12-01 08:00:00' (UTC)");
            }
        }
    }

    private static int usage(PrintStream err, String message) {
        err.println("lockwarden postmortem: " + message);
        err.flush();
        return 2;
    }
}
