package io.lockwarden.postmortem.internal;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import io.lockwarden.postmortem.LogEntry;
import java.io.IOException;
import java.io.Reader;

/**
 * Reads {@code csvlog} records with Jackson's CSV parser (quoted fields span lines). Columns are those of
 * PostgreSQL 13 and later (log_time, user_name, database_name, process_id, ..., error_severity = 12th,
 * sql_state_code, message, detail, hint, internal_query, internal_query_pos, context, query, ...,
 * application_name = 23rd); older servers' shorter rows are read too. A record with too few columns is counted
 * as skipped; a broken quote ends the source (the rest is counted once). Not thread-safe.
 */
public final class CsvLogParser {
    private static final CsvMapper MAPPER = new CsvMapper().enable(CsvParser.Feature.WRAP_AS_ARRAY);
    private static final int MIN_COLUMNS = 14;

    private CsvLogParser() {
    }

    /** Reads every record of {@code in} into {@code counters}. */
    public static void read(Reader in, String source, Timestamps timestamps, ReadCounters counters) throws IOException {
        try (MappingIterator<String[]> it = MAPPER.readerFor(String[].class).with(CsvSchema.emptySchema())
                .readValues(in)) {
            long lastLine = 0;
            while (true) {
                String[] row;
                try {
                    if (!it.hasNextValue()) {
                        break;
                    }
                    row = it.nextValue();
                } catch (LineLengthLimit.OverlongLineException e) {
                    throw e;
                } catch (RuntimeException | IOException e) {
                    if (e.getCause() instanceof LineLengthLimit.OverlongLineException o) {
                        throw o;
                    }
                    counters.skip();
                    break;
                }
                long line = it.getCurrentLocation().getLineNr();
                counters.lines += Math.max(1, line - lastLine);
                long start = lastLine + 1;
                lastLine = line;
                if (row.length < MIN_COLUMNS) {
                    counters.skip();
                    continue;
                }
                counters.emit(new LogEntry(timestamps.parse(row[0]), pid(row[3]), blank(row[1]), blank(row[2]),
                        row.length > 22 ? blank(row[22]) : null, row[11], blank(row[12]), row[13],
                        blank(row[14]), blank(row[15]), row.length > 18 ? blank(row[18]) : null,
                        row.length > 19 ? blank(row[19]) : null, source, start));
            }
        }
    }

    private static String blank(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private static int pid(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
