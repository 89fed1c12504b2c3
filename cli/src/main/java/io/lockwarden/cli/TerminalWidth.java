package io.lockwarden.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * How wide the person's terminal is: {@code COLUMNS} when set to a number, else the width the terminal reports
 * ({@code stty size} on {@code /dev/tty}) when a person is at one, else {@value #DEFAULT}. Widths below
 * {@value #MINIMUM} are raised to it. Stateless; thread-safe.
 */
final class TerminalWidth {
    /** The width when neither COLUMNS nor the terminal says. */
    static final int DEFAULT = 100;
    /** The narrowest width rendered; narrower terminals wrap what they get. */
    static final int MINIMUM = 60;

    private TerminalWidth() {
    }

    /** The width to render for in this context. Never fails. */
    static int of(CliContext ctx) {
        String columns = ctx.getenv("COLUMNS").orElse(null);
        if (columns != null && columns.strip().matches("[0-9]{1,5}")) {
            return Math.max(MINIMUM, Integer.parseInt(columns.strip()));
        }
        if (ctx.interactive()) {
            int tty = tty();
            if (tty > 0) {
                return Math.max(MINIMUM, tty);
            }
        }
        return DEFAULT;
    }

    /** The terminal's column count from {@code stty size}, or 0 when it cannot be read. */
    private static int tty() {
        File dev = new File("/dev/tty");
        if (!dev.canRead()) {
            return 0;
        }
        try {
            Process p = new ProcessBuilder("stty", "size").redirectInput(dev)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(1, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return 0;
            }
            String[] parts = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip().split("\\s+");
            return parts.length == 2 && parts[1].matches("[0-9]{1,5}") ? Integer.parseInt(parts[1]) : 0;
        } catch (IOException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }
}
