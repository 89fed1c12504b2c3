package io.lockwarden.watch;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One database the watchdog samples.
 *
 * @param name                 a short stable name used as the {@code target} label and in the API ({@code [a-zA-Z0-9_.-]+})
 * @param connection           where to connect, in any form of the connect module's {@code ConnectionResolver} (libpq URI,
 *                             keyword/value string, pgjdbc URL), without a password
 * @param user                 the role to connect as (null: from the URL or {@code PGUSER})
 * @param password             where the password comes from (never the configuration text)
 * @param pgBouncer            PgBouncer's admin console for this database, or null
 * @param namespaces           namespaces of named keys ({@code LockKey.named}) to decode and label
 * @param policy               enforcement policy
 * @param idleAlertAfter       exported as {@code lockwarden_idle_hold_alert_threshold_seconds}: the shipped alert
 *                             fires for an idle holder older than this
 * @param waitAlertAfter       exported as {@code lockwarden_wait_alert_threshold_seconds}: the shipped alert fires
 *                             for a session blocked longer than this
 */
public record TargetConfig(String name, String connection, String user, Secret password, Console pgBouncer,
                           List<String> namespaces, Policy policy, Duration idleAlertAfter, Duration waitAlertAfter) {

    /**
     * Where a password is read from, at each connection attempt (so a rotated secret is picked up).
     * All null: pgjdbc's own lookup ({@code .pgpass} / {@code PGPASSFILE}).
     *
     * @param env     name of an environment variable holding the password
     * @param file    a file whose first line is the password
     * @param literal a password given by code (the CLI passes {@code PGPASSWORD} or a typed one); never read from
     *                a configuration file and never printed ({@link #toString()} masks it)
     */
    public record Secret(String env, Path file, String literal) {
        /** No password configured: {@code .pgpass}. */
        public static final Secret PGPASS = new Secret(null, null, null);

        /** A password from an environment variable or a file. */
        public Secret(String env, Path file) {
            this(env, file, null);
        }

        /** Shows where the password comes from, never the password. */
        @Override
        public String toString() {
            return "Secret[env=" + env + ", file=" + file + (literal == null ? "" : ", literal=***") + "]";
        }
    }

    /**
     * A PgBouncer admin console.
     *
     * @param connection the console, in any form of the connect module's {@code ConnectionResolver}, without a password
     * @param user       console user (null: the target's user)
     * @param password   where its password comes from (null fields: the target's)
     */
    public record Console(String connection, String user, Secret password) {
    }

    /** Validates and copies. @throws IllegalArgumentException for a bad name */
    public TargetConfig {
        Objects.requireNonNull(name, "name");
        if (!name.matches("[A-Za-z0-9_.-]{1,64}")) {
            throw new IllegalArgumentException("target name '" + name + "' must be 1-64 characters of A-Z a-z 0-9 _ . -");
        }
        Objects.requireNonNull(connection, "connection");
        password = password == null ? Secret.PGPASS : password;
        namespaces = namespaces == null ? List.of() : List.copyOf(namespaces);
        policy = policy == null ? Policy.off() : policy;
        idleAlertAfter = idleAlertAfter == null ? Duration.ofMinutes(5) : idleAlertAfter;
        waitAlertAfter = waitAlertAfter == null ? Duration.ofMinutes(2) : waitAlertAfter;
    }

    /** A target with defaults: no console, no namespaces, enforcement off, alerts after 5 min idle / 2 min blocked. */
    public static TargetConfig of(String name, String connection, String user, Secret password) {
        return new TargetConfig(name, connection, user, password, null, List.of(), null, null, null);
    }

    /** A copy with another policy. */
    public TargetConfig withPolicy(Policy p) {
        return new TargetConfig(name, connection, user, password, pgBouncer, namespaces, p, idleAlertAfter,
                waitAlertAfter);
    }

    /** A copy with a PgBouncer console. */
    public TargetConfig withPgBouncer(Console console) {
        return new TargetConfig(name, connection, user, password, console, namespaces, policy, idleAlertAfter,
                waitAlertAfter);
    }

    /** A copy with namespaces of named keys. */
    public TargetConfig withNamespaces(List<String> ns) {
        return new TargetConfig(name, connection, user, password, pgBouncer, ns, policy, idleAlertAfter,
                waitAlertAfter);
    }

    /** A copy with other alert thresholds. */
    public TargetConfig withAlertThresholds(Duration idle, Duration wait) {
        return new TargetConfig(name, connection, user, password, pgBouncer, namespaces, policy, idle, wait);
    }
}
