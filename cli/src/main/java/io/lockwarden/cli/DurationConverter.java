package io.lockwarden.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Parses durations such as {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 1d}, {@code 0}
 * or ISO-8601 {@code PT5M}. Thread-safe.
 */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    private static final Pattern SIMPLE = Pattern.compile("(\\d+)\\s*(ms|s|m|min|h|d)?");

    /** {@inheritDoc} @throws CommandLine.TypeConversionException for anything else */
    @Override
    public Duration convert(String value) {
        String v = value.trim().toLowerCase();
        Matcher m = SIMPLE.matcher(v);
        if (m.matches()) {
            try {
                long n = Long.parseLong(m.group(1));
                String unit = m.group(2) == null ? "s" : m.group(2);
                return switch (unit) {
                    case "ms" -> Duration.ofMillis(n);
                    case "m", "min" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    case "d" -> Duration.ofDays(n);
                    default -> Duration.ofSeconds(n);
                };
            } catch (NumberFormatException | ArithmeticException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is too long a duration; use e.g. 30s, "
                        + "5m, 2h");
            }
        }
        try {
            return Duration.parse(value.trim().toUpperCase());
        } catch (DateTimeParseException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a duration; use e.g. 30s, 5m, 2h");
        }
    }
}
