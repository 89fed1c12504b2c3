package io.lockwarden.postmortem.internal;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;

/**
 * Parses the timestamps PostgreSQL writes ({@code 2026-12-01 08:51:53.123 UTC}, {@code %t} without
 * milliseconds, csvlog/jsonlog's form, {@code %n} epoch seconds, ISO 8601 from syslog). Remembers the last
 * second parsed, since consecutive lines mostly share it. Not thread-safe: one instance per reader.
 */
public final class Timestamps {
    private final Map<String, ZoneId> zones = new HashMap<>();
    private String lastSecond;
    private long lastEpochSecond;
    private String unknownZone;

    /**
     * Parses {@code yyyy-MM-dd HH:mm:ss[.fraction][ ZONE]}, or epoch seconds with a fraction; returns null when
     * the text is not a timestamp. Unknown zone abbreviations are read as UTC (see {@link #unknownZone()}).
     */
    public Instant parse(String text) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        String s = text.trim();
        if (s.length() < 19 || s.charAt(4) != '-' || s.charAt(10) != ' ' && s.charAt(10) != 'T') {
            return epoch(s);
        }
        int end = 19;
        long nanos = 0;
        if (end < s.length() && s.charAt(end) == '.') {
            int f = end + 1;
            int digits = 0;
            while (f < s.length() && Character.isDigit(s.charAt(f))) {
                if (digits < 9) {
                    nanos = nanos * 10 + (s.charAt(f) - '0');
                    digits++;
                }
                f++;
            }
            for (int d = digits; d < 9; d++) {
                nanos *= 10;
            }
            end = f;
        }
        String zone = s.substring(end).trim();
        String second = s.substring(0, 19) + ' ' + zone;
        if (!second.equals(lastSecond)) {
            try {
                LocalDateTime local = LocalDateTime.parse(s.substring(0, 10) + 'T' + s.substring(11, 19));
                lastEpochSecond = local.atZone(zone(zone)).toEpochSecond();
                lastSecond = second;
            } catch (DateTimeException e) {
                return null;
            }
        }
        return Instant.ofEpochSecond(lastEpochSecond, nanos);
    }

    /** The first zone abbreviation that could not be resolved and was read as UTC, or null. */
    public String unknownZone() {
        return unknownZone;
    }

    private ZoneId zone(String zone) {
        if (zone.isEmpty() || zone.equals("UTC") || zone.equals("GMT") || zone.equals("Z")) {
            return ZoneOffset.UTC;
        }
        return zones.computeIfAbsent(zone, z -> {
            try {
                if (z.startsWith("+") || z.startsWith("-")) {
                    return ZoneOffset.of(z.length() == 3 ? z + ":00" : z);
                }
                return ZoneId.of(z, ZoneId.SHORT_IDS);
            } catch (DateTimeException e) {
                if (unknownZone == null) {
                    unknownZone = z;
                }
                return ZoneOffset.UTC;
            }
        });
    }

    private static Instant epoch(String s) {
        int dot = s.indexOf('.');
        try {
            long secs = Long.parseLong(dot < 0 ? s : s.substring(0, dot));
            long millis = dot < 0 ? 0 : Long.parseLong((s.substring(dot + 1) + "000").substring(0, 3));
            return Instant.ofEpochSecond(secs, millis * 1_000_000);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
