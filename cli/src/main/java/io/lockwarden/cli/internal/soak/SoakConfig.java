package io.lockwarden.cli.internal.soak;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * Everything a soak run needs. The password is never printed: {@link #toString()} hides it.
 *
 * @param url         JDBC URL of the server (admin work, sampling, fault injection)
 * @param poolerUrl   JDBC URL the workers use instead (e.g. a PgBouncer), or {@code null}
 * @param user        role to connect as, or {@code null} to take it from the URL
 * @param password    password, or {@code null} to take it from the URL
 * @param workers     worker threads (and client pool size)
 * @param duration    how long the workers run
 * @param keys        distinct lock keys the workers contend for
 * @param faults      faults to inject
 * @param faultRate   probability that a unit of work gets a fault
 * @param mode        how locks are taken
 * @param lockTimeout server-side lock timeout of each lock attempt
 * @param out         directory for the CSV and SVG files
 * @param seed        random seed
 */
public record SoakConfig(String url, String poolerUrl, String user, String password, int workers, Duration duration,
                         int keys, Set<Fault> faults, double faultRate, SoakMode mode, Duration lockTimeout,
                         Path out, long seed) {

    /** Copies the fault set. */
    public SoakConfig {
        faults = Set.copyOf(faults);
    }

    @Override
    public String toString() {
        return "SoakConfig[url=" + JdbcUrls.redact(url) + ", poolerUrl=" + JdbcUrls.redact(poolerUrl) + ", user=" + user
                + ", workers=" + workers + ", duration=" + duration + ", keys=" + keys + ", faults=" + faults
                + ", faultRate=" + faultRate + ", mode=" + mode + ", lockTimeout=" + lockTimeout + ", out=" + out
                + ", seed=" + seed + "]";
    }
}
