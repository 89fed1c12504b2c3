package io.lockwarden.inspect;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The server settings that matter for advisory locks, as {@code pg_settings.setting} values
 * (timeouts in milliseconds, {@code 0} = disabled; booleans {@code on}/{@code off}).
 *
 * @param values setting name to raw value; only the names in {@link #NAMES} are read
 */
public record ServerSettings(Map<String, String> values) {

    /** The settings a snapshot reads. */
    public static final List<String> NAMES = List.of("lock_timeout", "statement_timeout",
            "idle_in_transaction_session_timeout", "idle_session_timeout", "log_lock_waits", "deadlock_timeout",
            "max_locks_per_transaction", "max_connections", "max_prepared_transactions");

    /** Copies the map. */
    public ServerSettings {
        values = Map.copyOf(values);
    }

    /** The raw value of a setting, when it was read. */
    public Optional<String> value(String name) {
        return Optional.ofNullable(values.get(name));
    }

    /** A millisecond setting (e.g. {@code lock_timeout}) as a duration; {@code Duration.ZERO} means disabled. Empty when unknown. */
    public Optional<Duration> duration(String name) {
        return value(name).map(v -> Duration.ofMillis(Long.parseLong(v)));
    }

    /** An integer setting; empty when unknown. */
    public Optional<Long> number(String name) {
        return value(name).map(Long::parseLong);
    }

    /** A boolean setting ({@code on}/{@code off}); empty when unknown. */
    public Optional<Boolean> flag(String name) {
        return value(name).map(v -> v.equals("on") || v.equals("true"));
    }

    /**
     * Size of the shared lock table: {@code max_locks_per_transaction * (max_connections +
     * max_prepared_transactions)}; empty when any part is unknown.
     */
    public Optional<Long> lockTableCapacity() {
        return number("max_locks_per_transaction").flatMap(m -> number("max_connections")
                .flatMap(c -> number("max_prepared_transactions").map(p -> m * (c + p))));
    }
}
