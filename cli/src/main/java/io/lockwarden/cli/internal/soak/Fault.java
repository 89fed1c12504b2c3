package io.lockwarden.cli.internal.soak;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** The faults a soak run injects at random points inside units of work. */
public enum Fault {
    /** The work throws after its write: the transaction must roll back and the lock must go. */
    EXCEPTION,
    /** An admin session terminates the backend holding the unit's lock ({@code pg_terminate_backend}). */
    TERMINATE,
    /** The client pool evicts its connections (HikariCP soft evict; {@code RECONNECT} on a PgBouncer console). */
    POOL_EVICT,
    /** The client drops its connection mid-work without a goodbye (socket closed), as a crashed client would. */
    CLIENT_KILL;

    /** The command-line name, e.g. {@code pool-evict}. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * Parses a comma-separated list such as {@code exception,terminate}; {@code all} for every fault,
     * {@code none} or empty for no faults.
     *
     * @throws IllegalArgumentException naming the unknown fault and the valid names
     */
    public static Set<Fault> parseList(String text) {
        Set<Fault> faults = EnumSet.noneOf(Fault.class);
        if (text == null || text.isBlank() || text.strip().equals("none")) {
            return faults;
        }
        for (String part : text.split(",")) {
            String name = part.strip();
            if (name.equals("all")) {
                faults.addAll(EnumSet.allOf(Fault.class));
                continue;
            }
            Fault found = null;
            for (Fault f : values()) {
                if (f.cliName().equals(name)) {
                    found = f;
                }
            }
            if (found == null) {
                throw new IllegalArgumentException("unknown fault '" + name
                        + "': use a comma-separated list of exception, terminate, pool-evict, client-kill (or all, none)");
            }
            faults.add(found);
        }
        return faults;
    }
}
