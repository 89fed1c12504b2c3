package io.lockwarden.testkit;

import io.lockwarden.LockKey;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Which advisory locks a leak check looks at, and how it names them. Immutable; build it with
 * {@link #all()} and the {@code with…} methods.
 *
 * @param database        only locks in this database; {@code null} for every database
 * @param user            only locks held by sessions of this role; {@code null} for every role
 * @param applicationName only locks held by sessions with this {@code application_name}; a trailing
 *                        {@code *} matches a prefix; {@code null} for every application
 * @param namespaces      namespaces of {@link LockKey#named named keys} to recognise: a pair key
 *                        whose first int is the hash of one of them is shown as {@code namespace/#int}
 * @param knownKeys       named keys to recognise fully ({@code namespace/name})
 * @param settle          how long to wait for locks of sessions that are just closing to disappear
 *                        before calling them leaks (backends exit asynchronously after a client closes)
 */
public record LockCheckScope(String database, String user, String applicationName, Set<String> namespaces,
                        List<LockKey> knownKeys, Duration settle) {

    /** The default settle time: 2 seconds (only spent when locks are found). */
    public static final Duration DEFAULT_SETTLE = Duration.ofSeconds(2);

    /** Validates and copies the collections. */
    public LockCheckScope {
        namespaces = Set.copyOf(Objects.requireNonNull(namespaces, "namespaces"));
        knownKeys = List.copyOf(Objects.requireNonNull(knownKeys, "knownKeys"));
        Objects.requireNonNull(settle, "settle");
        if (settle.isNegative()) {
            throw new IllegalArgumentException("settle must not be negative, got " + settle);
        }
    }

    /** Every advisory lock on the server, in every database, of every session. */
    public static LockCheckScope all() {
        return new LockCheckScope(null, null, null, Set.of(), List.of(), DEFAULT_SETTLE);
    }

    /** This scope restricted to one database. */
    public LockCheckScope withDatabase(String db) {
        return new LockCheckScope(db, user, applicationName, namespaces, knownKeys, settle);
    }

    /** This scope restricted to sessions of one role. */
    public LockCheckScope withUser(String role) {
        return new LockCheckScope(database, role, applicationName, namespaces, knownKeys, settle);
    }

    /** This scope restricted to one {@code application_name} (a trailing {@code *} matches a prefix). */
    public LockCheckScope withApplicationName(String name) {
        return new LockCheckScope(database, user, name, namespaces, knownKeys, settle);
    }

    /** This scope naming pair keys whose first int is the hash of one of these namespaces. */
    public LockCheckScope withNamespaces(String... names) {
        return new LockCheckScope(database, user, applicationName, Set.of(names), knownKeys, settle);
    }

    /** This scope naming these named keys fully when they are found. */
    public LockCheckScope withKnownKeys(LockKey... keys) {
        return new LockCheckScope(database, user, applicationName, namespaces, List.of(keys), settle);
    }

    /** This scope with another settle time ({@link Duration#ZERO} to check exactly once). */
    public LockCheckScope withSettle(Duration time) {
        return new LockCheckScope(database, user, applicationName, namespaces, knownKeys, time);
    }

    /** Whether a lock held in this database, by this role and application, is in scope. */
    public boolean includes(String db, String role, String application) {
        return (database == null || database.equals(db))
                && (user == null || user.equals(role))
                && (applicationName == null || matches(applicationName, application));
    }

    private static boolean matches(String pattern, String value) {
        if (value == null) {
            return false;
        }
        return pattern.endsWith("*") ? value.startsWith(pattern.substring(0, pattern.length() - 1))
                : pattern.equals(value);
    }

    /** Describes the filters, e.g. {@code database=app, application_name=worker*}, or {@code all sessions}. */
    public String describe() {
        StringBuilder s = new StringBuilder();
        if (database != null) {
            s.append("database=").append(database);
        }
        if (user != null) {
            s.append(s.isEmpty() ? "" : ", ").append("user=").append(user);
        }
        if (applicationName != null) {
            s.append(s.isEmpty() ? "" : ", ").append("application_name=").append(applicationName);
        }
        return s.isEmpty() ? "all sessions" : s.toString();
    }
}
