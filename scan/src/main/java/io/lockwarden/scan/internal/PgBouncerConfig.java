package io.lockwarden.scan.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The facts of a PgBouncer ini file that the pooler rules need. Built by {@link #parse}; immutable.
 *
 * @param isPgBouncer       the file has a {@code [pgbouncer]} or {@code [databases]} section
 * @param globalPoolMode    {@code pool_mode} in {@code [pgbouncer]} (default {@code session})
 * @param globalPoolModeLine its line, 0 when not set
 * @param resetQuery        {@code server_reset_query}, null when not set
 * @param resetQueryLine    its line
 * @param resetQueryAlways  {@code server_reset_query_always = 1}
 * @param transactionDatabases per-database entries with {@code pool_mode=transaction}: name and line
 */
public record PgBouncerConfig(boolean isPgBouncer, String globalPoolMode, int globalPoolModeLine, String resetQuery,
                              int resetQueryLine, boolean resetQueryAlways, List<DatabaseEntry> transactionDatabases) {

    /** A database entry in {@code [databases]}. @param name the database alias @param line 1-based line */
    public record DatabaseEntry(String name, int line) {
    }

    /** Parses the ini text; tolerant of anything it does not understand. */
    public static PgBouncerConfig parse(String text) {
        boolean pgb = false;
        String section = "";
        String poolMode = "session";
        int poolModeLine = 0;
        String reset = null;
        int resetLine = 0;
        boolean always = false;
        List<DatabaseEntry> txDbs = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith(";") || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("[") && line.endsWith("]")) {
                section = line.substring(1, line.length() - 1).strip().toLowerCase(Locale.ROOT);
                pgb |= section.equals("pgbouncer") || section.equals("databases");
                continue;
            }
            int eq = line.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String key = line.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            String value = line.substring(eq + 1).strip();
            if (section.equals("pgbouncer")) {
                switch (key) {
                    case "pool_mode" -> {
                        poolMode = value.toLowerCase(Locale.ROOT);
                        poolModeLine = i + 1;
                    }
                    case "server_reset_query" -> {
                        reset = value;
                        resetLine = i + 1;
                    }
                    case "server_reset_query_always" -> always = value.equals("1") || value.equalsIgnoreCase("true");
                    default -> {
                    }
                }
            } else if (section.equals("databases")) {
                String v = value.toLowerCase(Locale.ROOT).replaceAll("\\s*=\\s*", "=");
                if (v.matches(".*(^|\\s)pool_mode=transaction(\\s|$).*")) {
                    txDbs.add(new DatabaseEntry(line.substring(0, eq).strip(), i + 1));
                }
            }
        }
        return new PgBouncerConfig(pgb, poolMode, poolModeLine, reset, resetLine, always, txDbs);
    }

    /** True when the global pool mode is transaction. */
    public boolean globalTransactionPooling() {
        return globalPoolMode.equals("transaction");
    }
}
