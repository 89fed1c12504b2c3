package io.lockwarden.cli.internal.soak;

import io.lockwarden.connect.ConnectionResolver;
import io.lockwarden.connect.ConnectionSettings;
import io.lockwarden.connect.ConsoleException;
import io.lockwarden.connect.Password;
import io.lockwarden.connect.PgBouncerConsole;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The admin console of the PgBouncer a soak run's workers go through (database {@code pgbouncer} on the
 * pooler's host and port), used for the pool-evict fault ({@code RECONNECT}), over Lockwarden's own console
 * client (pgjdbc cannot log in to a stock console). Best effort: when the role is not a PgBouncer admin the
 * fault only evicts the client pool, and a single notice says so. Thread-safe.
 */
final class PoolerConsole implements AutoCloseable {
    private final ConnectionSettings console;
    private final AtomicBoolean warned = new AtomicBoolean();
    private final PrintStream notices;

    /**
     * The console of the pooler that {@code poolerUrl} (a JDBC URL from the resolved settings) points at.
     *
     * @throws io.lockwarden.connect.ConnectionSettingsException when the URL cannot be read
     */
    PoolerConsole(String poolerUrl, String user, String password, PrintStream notices) {
        this.notices = notices;
        Map<String, String> flags = new HashMap<>();
        flags.put("user", user);
        ConnectionSettings pooler = ConnectionResolver.of(Map.of()).resolve(poolerUrl, flags, Map.of());
        ConnectionSettings c = pooler.withDatabase("pgbouncer");
        this.console = password == null ? c : c.withPassword(Password.of(password, "the soak login"));
    }

    /** Asks PgBouncer to close each server connection once released; never throws. */
    synchronized void reconnect() {
        try (PgBouncerConsole c = PgBouncerConsole.connect(console)) {
            c.query("RECONNECT");
        } catch (ConsoleException e) {
            if (warned.compareAndSet(false, true)) {
                notices.println("lockwarden soak: pool-evict cannot RECONNECT on the pooler console ("
                        + e.getMessage() + "); only the client pool is evicted");
            }
        }
    }

    @Override
    public void close() {
        // nothing held between calls
    }
}
