package io.lockwarden.watch;

import java.util.List;

/**
 * Where one target stands after its last sample, as {@link Watchdog#status()} reports it (and
 * {@code lockwarden watch --once} prints it, one short line per target).
 *
 * @param name      the target's configured name
 * @param health    {@code up}, {@code down} or {@code pending}
 * @param lastError why the last sample failed ({@code stage: message}, never a password), or null
 * @param held      advisory locks held at the last successful sample (0 when down)
 * @param waiting   advisory locks waited for at the last successful sample (0 when down)
 * @param incidents the current incidents at warning level or worse, as {@code diagnose} groups them, worst first:
 *                  each as {@code kind (severity)}, e.g. {@code idle-session-locks (warning)}
 * @param problems  true when the target is down or has a finding at warning level or worse
 */
public record TargetStatus(String name, String health, String lastError, int held, int waiting,
                           List<String> incidents, boolean problems) {
    /** Copies the list. */
    public TargetStatus {
        incidents = List.copyOf(incidents);
    }

    /**
     * One short line, e.g. {@code billing: up, 12 held, 3 waiting; 1 incident: idle-session-locks (error)} or
     * {@code billing: down (connect: Connection to db3:5432 refused.)}; a long error is cut after its first
     * sentence.
     */
    public String line() {
        if (!health.equals("up")) {
            return name + ": " + health + (lastError == null ? "" : " (" + firstSentence(lastError) + ")");
        }
        String head = name + ": up, " + held + " held, " + waiting + " waiting";
        if (incidents.isEmpty()) {
            return head + (problems ? "; findings at warning level (see diagnose)" : "; no incident");
        }
        return head + "; " + incidents.size() + (incidents.size() == 1 ? " incident: " : " incidents: ")
                + String.join(", ", incidents);
    }

    /** A long error cut after its first sentence (the driver's advice that follows is in the log). */
    private static String firstSentence(String error) {
        int end = error.indexOf(". ");
        return error.length() <= 100 || end < 0 ? error : error.substring(0, end + 1);
    }
}
