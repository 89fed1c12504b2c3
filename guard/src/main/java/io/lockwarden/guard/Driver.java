package io.lockwarden.guard;

import io.lockwarden.LockListener;
import io.lockwarden.guard.internal.ConnectionGuard;
import io.lockwarden.guard.internal.GuardSettings;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * The JDBC driver for {@code jdbc:lockwarden:postgresql:...} URLs, registered with {@link DriverManager}
 * through {@code META-INF/services/java.sql.Driver}: the rest of the URL ({@code jdbc:postgresql:...}) and
 * every property go to pgjdbc unchanged, and the connection comes back guarded as by {@link LockGuard}. Under
 * a pool the guard checks the physical connection both when the pool retires it and each time the pool resets
 * it on return (HikariCP does that from inside its {@code Connection.close()}).
 *
 * <p>Guard settings are properties (in the URL or in the pool's data source properties):
 * <ul>
 *   <li>{@code lockwarden.mode}: {@code release} (default), {@code report} or {@code fail-fast}</li>
 *   <li>{@code lockwarden.check}: {@code when-locked} (default) or {@code always}</li>
 *   <li>{@code lockwarden.releaseTimeout}: seconds (default 5)</li>
 *   <li>{@code lockwarden.listener}: the class name of a {@link LockListener} with a public no-argument
 *       constructor, made once per distinct settings</li>
 *   <li>{@code lockwarden.pooler}: {@code none} (default; a direct connection or session pooling) or
 *       {@code transaction} (PgBouncer in transaction pooling: see {@link Pooler#TRANSACTION})</li>
 * </ul>
 * A bad value fails {@link #connect} with one line naming the property and the accepted values. Thread-safe.
 */
public final class Driver implements java.sql.Driver {
    /** The URL prefix this driver accepts. */
    public static final String PREFIX = "jdbc:lockwarden:postgresql:";

    private static final Map<String, GuardSettings> SETTINGS = new ConcurrentHashMap<>();

    static {
        try {
            DriverManager.registerDriver(new Driver());
        } catch (SQLException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final org.postgresql.Driver postgres = new org.postgresql.Driver();

    /** Created by {@link DriverManager} through the service loader, or by a pool given this class name. */
    public Driver() {
    }

    /**
     * Connects through pgjdbc and guards the connection; returns null for URLs of other drivers.
     *
     * @throws SQLException from pgjdbc, or SQLSTATE 22023 naming a bad {@code lockwarden.*} property
     */
    @Override
    public Connection connect(String url, Properties info) throws SQLException {
        if (!acceptsURL(url)) {
            return null;
        }
        String postgresUrl = postgresUrl(url);
        Properties all = org.postgresql.Driver.parseURL(postgresUrl, info == null ? new Properties() : info);
        if (all == null) {
            throw new SQLException("not a valid PostgreSQL JDBC URL after " + PREFIX + ": expected "
                    + PREFIX + "//host:port/database", "08001");
        }
        GuardSettings settings = settings(all);
        Connection raw = postgres.connect(postgresUrl, info == null ? new Properties() : info);
        return ConnectionGuard.wrap(raw, settings, true);
    }

    private static String postgresUrl(String url) {
        return "jdbc:postgresql:" + url.substring(PREFIX.length());
    }

    private static GuardSettings settings(Properties p) throws SQLException {
        String mode = p.getProperty("lockwarden.mode", "release");
        String check = p.getProperty("lockwarden.check", "when-locked");
        String timeout = p.getProperty("lockwarden.releaseTimeout", "5");
        String listener = p.getProperty("lockwarden.listener", "");
        String pooler = p.getProperty("lockwarden.pooler", "none");
        String id = mode + '|' + check + '|' + timeout + '|' + listener + '|' + pooler;
        GuardSettings known = SETTINGS.get(id);
        if (known != null) {
            return known;
        }
        try {
            long seconds = Long.parseLong(timeout.strip());
            if (seconds < 1) {
                throw new NumberFormatException();
            }
            GuardSettings made = GuardSettings.of(GuardMode.parse(mode), ReturnCheck.parse(check),
                    Duration.ofSeconds(seconds), listener(listener), Pooler.parse(pooler));
            GuardSettings raced = SETTINGS.putIfAbsent(id, made);
            return raced != null ? raced : made;
        } catch (NumberFormatException e) {
            throw new SQLException("lockwarden.releaseTimeout must be a whole number of seconds >= 1, got '" + timeout
                    + "'", "22023");
        } catch (IllegalArgumentException e) {
            throw new SQLException(e.getMessage(), "22023");
        }
    }

    private static LockListener listener(String className) {
        if (className.isBlank()) {
            return LockListener.NONE;
        }
        try {
            Class<?> c = Class.forName(className.strip(), true, Thread.currentThread().getContextClassLoader());
            return (LockListener) c.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | ClassCastException | LinkageError e) {
            throw new IllegalArgumentException("lockwarden.listener must name a LockListener class with a public "
                    + "no-argument constructor on the class path, got '" + className + "' (" + e + ")");
        }
    }

    /** True for URLs starting {@code jdbc:lockwarden:postgresql:}. */
    @Override
    public boolean acceptsURL(String url) {
        return url != null && url.startsWith(PREFIX);
    }

    /** pgjdbc's properties for the URL behind the prefix. */
    @Override
    public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) throws SQLException {
        return acceptsURL(url) ? postgres.getPropertyInfo(postgresUrl(url), info) : new DriverPropertyInfo[0];
    }

    /** pgjdbc's major version. */
    @Override
    public int getMajorVersion() {
        return postgres.getMajorVersion();
    }

    /** pgjdbc's minor version. */
    @Override
    public int getMinorVersion() {
        return postgres.getMinorVersion();
    }

    /** Whatever pgjdbc says. */
    @Override
    public boolean jdbcCompliant() {
        return postgres.jdbcCompliant();
    }

    /** pgjdbc's parent logger. */
    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return postgres.getParentLogger();
    }
}
