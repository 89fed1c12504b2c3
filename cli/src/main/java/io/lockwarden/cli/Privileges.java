package io.lockwarden.cli;

import io.lockwarden.inspect.ControlCharacters;
import io.lockwarden.inspect.Visibility;

/**
 * What a role lacks to end a session, said exactly for that role: the grant that gives it, or that only a
 * superuser may do it. Used by release (refusals) and diagnose (what the fix command needs). Stateless;
 * thread-safe.
 */
final class Privileges {
    private Privileges() {
    }

    /**
     * One clause naming what {@code reader.role()} lacks to end a session of {@code owner}.
     *
     * @param missing {@link Visibility#missingToTerminate(String)}'s answer: {@code superuser} or
     *                {@code pg_signal_backend}
     */
    static String missing(Visibility reader, String owner, String missing) {
        String role = ControlCharacters.escape(reader.role());
        String who = owner == null ? "a role it cannot see" : "role '" + ControlCharacters.escape(owner) + "'";
        if ("superuser".equals(missing)) {
            return "it belongs to superuser " + who + ", and only a superuser may end a superuser's session; role '"
                    + role + "' is not one: run release as a superuser";
        }
        return "role '" + role + "' may not end a session of " + who + ": it needs pg_signal_backend (GRANT "
                + "pg_signal_backend TO " + role + ") or to run as " + who;
    }
}
