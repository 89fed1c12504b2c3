package io.lockwarden.postmortem;

import java.time.Instant;

/**
 * One PostgreSQL log event with its attached lines (DETAIL, HINT, CONTEXT, STATEMENT) joined, whatever
 * format the server wrote it in. Fields the format or {@code log_line_prefix} did not record are
 * {@code null} (text) or {@code 0} (pid).
 *
 * @param time        when the server logged it, or null when the prefix has no timestamp
 * @param pid         backend pid that logged it, or 0 when unknown
 * @param user        role name, or null
 * @param database    database name, or null
 * @param application {@code application_name}, or null
 * @param severity    {@code LOG}, {@code ERROR}, {@code FATAL}, ... (in the server's {@code lc_messages} language)
 * @param sqlState    SQLSTATE code when the format records it (csvlog, jsonlog, {@code %e}), else null
 * @param message     the primary message, continuation lines joined with {@code \n}
 * @param detail      the DETAIL text, or null
 * @param hint        the HINT text, or null
 * @param context     the CONTEXT text, or null
 * @param statement   the STATEMENT (query) text, or null
 * @param source      name of the file (or {@code -} for stdin) the entry was read from
 * @param line        1-based line of the source where the entry starts
 */
public record LogEntry(Instant time, int pid, String user, String database, String application, String severity,
                       String sqlState, String message, String detail, String hint, String context, String statement,
                       String source, long line) {
}
