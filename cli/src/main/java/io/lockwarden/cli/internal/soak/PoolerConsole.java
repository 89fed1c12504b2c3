package io.lockwarden.cli.internal.soak;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The admin console of the PgBouncer a soak run's workers go through (database {@code pgbouncer} on the
 * pooler's host and port), used for the pool-evict fault ({@code RECONNECT}). Best effort: when the role
 * is not a PgBouncer admin the fault only evicts the client pool, and a single notice says so. Thread-safe.
 */
final class PoolerConsole implements AutoCloseable {
    /** pgjdbc warns "Unsupported Server Version" on every console connection; kept referenced so the level sticks. */
    private static final Logger PGJDBC_CONNECTION = Logger.getLogger("org.postgresql.jdbc.PgConnection");

    static {
        PGJDBC_CONNECTION.setLevel(Level.SEVERE);
    }

    private final String url;
    private final Properties props = new Properties();
    private final AtomicBoolean warned = new AtomicBoolean();

    private final java.io.PrintStream notices;

    PoolerConsole(String poolerUrl, String user, String password, java.io.PrintStream notices) {
        this.notices = notices;
        this.url = poolerUrl.replaceFirst("(jdbc:postgresql://[^/?]+)/[^?]*(\\?.*)?$", "$1/pgbouncer")
                + "?preferQueryMode=simple&assumeMinServerVersion=9.0";
        if (user != null) {
            props.setProperty("user", user);
        }
        if (password != null) {
            props.setProperty("password", password);
        }
    }

    /** Asks PgBouncer to close each server connection once released; never throws. */
    synchronized void reconnect() {
        try (Connection c = DriverManager.getConnection(url, props); Statement st = c.createStatement()) {
            st.execute("RECONNECT");
        } catch (SQLException e) {
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
