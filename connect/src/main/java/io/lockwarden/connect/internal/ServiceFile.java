package io.lockwarden.connect.internal;

import io.lockwarden.connect.ConnectionSettingsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * libpq's connection service file ({@code pg_service.conf}): INI-style sections {@code [name]} holding
 * {@code keyword=value} lines, {@code #} comments. Stateless.
 */
public final class ServiceFile {
    private ServiceFile() {
    }

    /**
     * The keywords of service {@code name} in {@code file}, or empty when the file does not exist or has no
     * such section.
     *
     * @throws ConnectionSettingsException when the file cannot be read or a line is malformed (naming the line)
     */
    public static Optional<Map<String, String>> section(Path file, String name) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new ConnectionSettingsException("cannot read service file \"" + file + "\": "
                    + e.getClass().getSimpleName() + ": fix its permissions or set PGSERVICEFILE");
        }
        Map<String, String> found = null;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("[")) {
                if (found != null) {
                    break;
                }
                if (line.endsWith("]") && line.substring(1, line.length() - 1).strip().equals(name)) {
                    found = new LinkedHashMap<>();
                }
                continue;
            }
            if (found == null) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq < 0) {
                throw new ConnectionSettingsException("syntax error in service file \"" + file + "\", line " + (i + 1)
                        + ": expected keyword=value");
            }
            String key = line.substring(0, eq).strip();
            if (key.equals("service")) {
                throw new ConnectionSettingsException("nested service specifications not supported in service file \""
                        + file + "\", line " + (i + 1));
            }
            found.put(key, line.substring(eq + 1).strip());
        }
        return Optional.ofNullable(found);
    }
}
