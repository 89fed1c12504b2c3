package io.lockwarden.postmortem.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lockwarden.postmortem.LogEntry;
import java.io.BufferedReader;
import java.io.IOException;

/**
 * Reads {@code jsonlog} (PostgreSQL 15+): one JSON object per line with the keys {@code timestamp}, {@code user},
 * {@code dbname}, {@code pid}, {@code error_severity}, {@code state_code}, {@code message}, {@code detail},
 * {@code hint}, {@code context}, {@code statement}, {@code application_name}. A line that is not a JSON object
 * with a message is counted as skipped. Not thread-safe.
 */
public final class JsonLogParser {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private JsonLogParser() {
    }

    /** Reads every line of {@code in} into {@code counters}. */
    public static void read(BufferedReader in, String source, Timestamps timestamps, ReadCounters counters)
            throws IOException {
        String line;
        long no = 0;
        while ((line = in.readLine()) != null) {
            no++;
            counters.line();
            if (line.isBlank()) {
                continue;
            }
            JsonNode n;
            try {
                n = MAPPER.readTree(line);
            } catch (JsonProcessingException e) {
                counters.skip();
                continue;
            }
            if (n == null || !n.isObject() || !n.hasNonNull("message")) {
                counters.skip();
                continue;
            }
            counters.emit(new LogEntry(timestamps.parse(text(n, "timestamp")), n.path("pid").asInt(0),
                    text(n, "user"), text(n, "dbname"), text(n, "application_name"), text(n, "error_severity"),
                    text(n, "state_code"), text(n, "message"), text(n, "detail"), text(n, "hint"),
                    text(n, "context"), text(n, "statement"), source, no));
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() || v.asText().isEmpty() ? null : v.asText();
    }
}
