package io.lockwarden.internal;

import io.lockwarden.LockKey;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.util.List;
import javax.sql.DataSource;

/**
 * Where Lockwarden's own connections come from and go back to: borrows from the application's
 * DataSource (checking once that it reaches PostgreSQL) and returns connections with their autocommit
 * mode restored. Thread-safe.
 */
public final class Connections {
    private final DataSource dataSource;
    private final LockReporter reporter;
    private volatile boolean verifiedPostgres;

    /** Connections from {@code dataSource}; problems returning them are logged through {@code reporter}. */
    public Connections(DataSource dataSource, LockReporter reporter) {
        this.dataSource = dataSource;
        this.reporter = reporter;
    }

    /**
     * Borrows a connection for work on {@code key}.
     *
     * @throws io.lockwarden.LockDatabaseException when the DataSource fails
     * @throws IllegalArgumentException            when it does not reach PostgreSQL (checked on first use)
     */
    public Connection open(LockKey key) {
        Connection c;
        try {
            c = dataSource.getConnection();
        } catch (SQLException e) {
            throw LockStatements.database(List.of(key), "getting a connection from the DataSource for lock " + key, e);
        }
        if (!verifiedPostgres) {
            try {
                requirePostgres(c, "DataSource " + dataSource.getClass().getName());
            } catch (RuntimeException e) {
                finish(c, null, e);
                throw e;
            }
            verifiedPostgres = true;
        }
        return c;
    }

    /**
     * Restores autocommit ({@code true}: set it back to true; {@code false}: back to false; null: leave)
     * and closes; problems are added to {@code failure} as suppressed, or logged when there is none.
     */
    public void finish(Connection c, Boolean restoreAutoCommit, Throwable failure) {
        try {
            if (restoreAutoCommit != null && c.getAutoCommit() != restoreAutoCommit) {
                c.setAutoCommit(restoreAutoCommit);
            }
        } catch (SQLException e) {
            if (failure != null) {
                failure.addSuppressed(e);
            } else {
                reporter.warn("cannot restore autocommit before returning the connection: {}", e.toString());
            }
        } finally {
            try {
                c.close();
            } catch (SQLException e) {
                if (failure != null) {
                    failure.addSuppressed(e);
                } else {
                    reporter.warn("closing a connection after a lock failed: {}", e.toString());
                }
            }
        }
    }

    /**
     * Checks from the driver's metadata (no round trip) that {@code c} reaches PostgreSQL.
     *
     * @param what names the connection's origin in the message
     * @throws IllegalArgumentException when it does not, or cannot tell
     */
    public static void requirePostgres(Connection c, String what) {
        String product;
        try {
            DatabaseMetaData meta = c.getMetaData();
            product = meta.getDatabaseProductName();
        } catch (SQLException e) {
            throw new IllegalArgumentException(what + " cannot tell which database it reaches (" + e.getMessage()
                    + "): Lockwarden needs PostgreSQL; pass a PostgreSQL DataSource or connection", e);
        }
        if (!"PostgreSQL".equalsIgnoreCase(product)) {
            throw new IllegalArgumentException(what + " reaches '" + product + "', not PostgreSQL: advisory locks "
                    + "are a PostgreSQL feature. Pass a DataSource or connection for a PostgreSQL database "
                    + "(e.g. org.postgresql.ds.PGSimpleDataSource or a HikariCP pool with a jdbc:postgresql URL).");
        }
    }
}
