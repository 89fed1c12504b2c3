package io.lockwarden.watch;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The enforcement policy of one target: which sessions the watchdog may end on its own. Only idle holders
 * of session-level advisory locks (state {@code idle}, so no transaction) are ever candidates, and only
 * those the rules call safe and that still match at the moment of termination.
 *
 * @param mode                    {@link Mode#OFF} (default), {@link Mode#DRY_RUN} or {@link Mode#ENFORCE}
 * @param idleHoldersOlderThan    a holder is a candidate once idle for at least this long
 * @param include                 a candidate must match every pattern given here (null patterns match all)
 * @param exclude                 a candidate matching any pattern given here is skipped
 * @param maxTerminationsPerMinute at most this many terminations per target in any 60 s window
 */
public record Policy(Mode mode, Duration idleHoldersOlderThan, Match include, Match exclude,
                     int maxTerminationsPerMinute) {

    /** What the policy does with a candidate. */
    public enum Mode {
        /** Observe only (default). */
        OFF,
        /** Decide and audit what would be terminated; terminate nothing. */
        DRY_RUN,
        /** Terminate eligible sessions, rechecking each on the server in the terminating statement. */
        ENFORCE
    }

    /**
     * Patterns (Java regular expressions, matched against the whole value) on a session's identity.
     * A null pattern is not checked. A session whose field is hidden or null never matches a pattern.
     *
     * @param applicationName pattern on {@code application_name}
     * @param user            pattern on the role name
     * @param database        pattern on the database name
     */
    public record Match(Pattern applicationName, Pattern user, Pattern database) {
        /** Matches nothing in particular: every pattern null. */
        public static final Match NONE = new Match(null, null, null);

        /** True when no pattern is set. */
        public boolean isEmpty() {
            return applicationName == null && user == null && database == null;
        }

        /** True when every set pattern matches (an empty match matches everything). */
        public boolean matchesAll(String app, String role, String db) {
            return matches(applicationName, app) && matches(user, role) && matches(database, db);
        }

        /** True when at least one set pattern matches (an empty match matches nothing). */
        public boolean matchesAny(String app, String role, String db) {
            return (applicationName != null && matches(applicationName, app))
                    || (user != null && matches(user, role)) || (database != null && matches(database, db));
        }

        private static boolean matches(Pattern p, String value) {
            return p == null || (value != null && p.matcher(value).matches());
        }
    }

    /** Validates. @throws IllegalArgumentException for a non-positive duration or a negative cap */
    public Policy {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(idleHoldersOlderThan, "idleHoldersOlderThan");
        include = include == null ? Match.NONE : include;
        exclude = exclude == null ? Match.NONE : exclude;
        if (idleHoldersOlderThan.isNegative() || idleHoldersOlderThan.isZero()) {
            throw new IllegalArgumentException("idle_holders_older_than must be positive, e.g. 10m");
        }
        if (maxTerminationsPerMinute < 0) {
            throw new IllegalArgumentException("max_terminations_per_minute must be 0 or more");
        }
    }

    /** Enforcement off; the other values are the defaults a policy gets when turned on (10 min, 5 per minute). */
    public static Policy off() {
        return new Policy(Mode.OFF, Duration.ofMinutes(10), Match.NONE, Match.NONE, 5);
    }

    /** Whether a session with this identity may be considered at all under the include/exclude patterns. */
    public boolean admits(String app, String user, String database) {
        return include.matchesAll(app, user, database) && !exclude.matchesAny(app, user, database);
    }
}
