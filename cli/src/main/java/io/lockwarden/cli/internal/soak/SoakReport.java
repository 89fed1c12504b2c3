package io.lockwarden.cli.internal.soak;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The outcome of a soak run and its verdict. Immutable.
 *
 * @param config          what was run
 * @param seconds         how long the workers ran
 * @param units           units of work committed
 * @param faults          faults injected, by type
 * @param violations      mutual-exclusion violations (a holder saw the counter changed under its lock)
 * @param lockTimeouts    lock attempts that hit the lock timeout
 * @param otherErrors     failures not caused by an injected fault
 * @param firstErrors     the first few of those, for diagnosis
 * @param locksLeft       advisory locks of this run still held once every worker had stopped
 * @param slopePerMinute  least-squares slope of held locks over time, locks per minute
 * @param maxHeld         most locks held at one sample
 * @param maxOrphaned     most leaked locks (held with no unit of work on their key) confirmed at one sample
 * @param counterTotal    sum of the counter rows at the end (the committed increments)
 * @param samples         the time series
 * @param cleanup         what cleanup found ({@code null} until done)
 * @param files           the CSV and SVG written (empty when writing failed)
 * @param interrupted     whether the run was cut short (Ctrl-C)
 */
public record SoakReport(SoakConfig config, double seconds, long units, Map<Fault, Long> faults, long violations,
                         long lockTimeouts, long otherErrors, List<String> firstErrors, int locksLeft,
                         double slopePerMinute, int maxHeld, int maxOrphaned, long counterTotal, List<Sample> samples,
                         String cleanup, List<Path> files, boolean interrupted) {

    /** Why the run failed; empty when it passed. */
    public List<String> failures() {
        List<String> reasons = new ArrayList<>();
        if (violations > 0) {
            reasons.add(violations + " mutual-exclusion violation(s)");
        }
        if (locksLeft > 0) {
            reasons.add(locksLeft + " advisory lock(s) still held after every worker stopped (leaked)");
        }
        if (maxOrphaned > 0) {
            reasons.add("locks held with no unit of work on their key (leaked) seen during the run, up to "
                    + maxOrphaned + " at once");
        }
        double rise = slopePerMinute * seconds / 60.0;
        if (rise > config.workers()) {
            reasons.add(String.format(Locale.ROOT, "held locks kept accumulating (+%.1f per minute)", slopePerMinute));
        }
        if (units == 0) {
            reasons.add("no unit of work completed");
        }
        if (interrupted) {
            reasons.add("interrupted before the end");
        }
        return reasons;
    }

    /** Whether the run passed: no violation, no lock left, no accumulation, some work done. */
    public boolean passed() {
        return failures().isEmpty();
    }

    /** The human-readable report, one fact a line. Never contains a password. */
    public String render() {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "lockwarden soak: mode %s, %d workers, %d keys, %.0f s, faults %s (rate %.3f)%n",
                config.mode().cliName(), config.workers(), config.keys(), seconds, faultNames(), config.faultRate()));
        s.append(String.format(Locale.ROOT, "  server              %s%n", JdbcUrls.redact(config.url())));
        if (config.poolerUrl() != null) {
            s.append(String.format(Locale.ROOT, "  workers through     %s%n", JdbcUrls.redact(config.poolerUrl())));
        }
        s.append(String.format(Locale.ROOT, "  units of work       %d (%.1f per second)%n", units,
                seconds > 0 ? units / seconds : 0.0));
        StringBuilder f = new StringBuilder();
        long total = 0;
        for (Fault fault : Fault.values()) {
            long n = faults.getOrDefault(fault, 0L);
            total += n;
            f.append(f.isEmpty() ? "" : " ").append(fault.cliName()).append('=').append(n);
        }
        s.append(String.format(Locale.ROOT, "  faults injected     %d (%s)%n", total, f));
        s.append(String.format(Locale.ROOT, "  violations          %d%n", violations));
        s.append(String.format(Locale.ROOT, "  lock timeouts       %d%n", lockTimeouts));
        s.append(String.format(Locale.ROOT, "  other errors        %d%s%n", otherErrors,
                firstErrors.isEmpty() ? "" : " (first: " + firstErrors.get(0) + ")"));
        s.append(String.format(Locale.ROOT, "  locks left at end   %d%n", locksLeft));
        s.append(String.format(Locale.ROOT, "  leaked during run   %d (most at one sample)%n", maxOrphaned));
        s.append(String.format(Locale.ROOT, "  held locks slope    %+.2f per minute (max held %d)%n", slopePerMinute, maxHeld));
        s.append(String.format(Locale.ROOT, "  counter total       %d%n", counterTotal));
        if (cleanup != null) {
            s.append(String.format(Locale.ROOT, "  cleanup             %s%n", cleanup));
        }
        if (!files.isEmpty()) {
            s.append(String.format(Locale.ROOT, "  time series         %s%n",
                    String.join(", ", files.stream().map(Path::toString).toList())));
        }
        List<String> reasons = failures();
        s.append("  verdict             ").append(reasons.isEmpty() ? "PASS" : "FAIL: " + String.join("; ", reasons))
                .append(System.lineSeparator());
        return s.toString();
    }

    private String faultNames() {
        if (config.faults().isEmpty()) {
            return "none";
        }
        List<String> names = new ArrayList<>();
        for (Fault f : Fault.values()) {
            if (config.faults().contains(f)) {
                names.add(f.cliName());
            }
        }
        return String.join(",", names);
    }

    /** Least-squares slope of held locks over time, in locks per minute; 0 with fewer than two samples. */
    public static double slopePerMinute(List<Sample> samples) {
        int n = samples.size();
        if (n < 2) {
            return 0;
        }
        double sx = 0;
        double sy = 0;
        for (Sample p : samples) {
            sx += p.seconds();
            sy += p.held();
        }
        double mx = sx / n;
        double my = sy / n;
        double num = 0;
        double den = 0;
        for (Sample p : samples) {
            num += (p.seconds() - mx) * (p.held() - my);
            den += (p.seconds() - mx) * (p.seconds() - mx);
        }
        return den == 0 ? 0 : num / den * 60.0;
    }
}
