package io.lockwarden.postmortem;

/** The log formats a PostgreSQL server writes ({@code log_destination}), all readable by {@link LogReader}. */
public enum LogFormat {
    /** Plain text with a {@code log_line_prefix} ({@code log_destination = stderr}, with or without the collector). */
    STDERR,
    /** Comma-separated values, one record per event ({@code csvlog}). */
    CSVLOG,
    /** One JSON object per line ({@code jsonlog}, PostgreSQL 15+). */
    JSONLOG,
    /** Lines written by a syslog daemon ({@code log_destination = syslog}), BSD or ISO timestamps. */
    SYSLOG;

    /** The lower-case name used in reports and on the command line. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
