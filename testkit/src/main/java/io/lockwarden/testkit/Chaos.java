package io.lockwarden.testkit;

import io.lockwarden.LockKey;
import io.lockwarden.testkit.fixture.PgBouncer;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import javax.sql.DataSource;

/**
 * Fault injection for tests: kill the sessions holding advisory locks, restart the server, drop a
 * pooler's server connections. Every method acts at once and returns what it did, so a test can assert
 * on it; none waits for the effect, except where documented.
 *
 * <p>The data source must connect as a role allowed to terminate the target backends (a superuser,
 * or a member of {@code pg_signal_backend} for non-superuser targets). Thread-safe.
 */
public final class Chaos {
    private final DataSource admin;
    private final Random random;

    private Chaos(DataSource admin, Random random) {
        this.admin = admin;
        this.random = random;
    }

    /** Chaos through this data source, with a random seed. */
    public static Chaos using(DataSource admin) {
        return new Chaos(Objects.requireNonNull(admin, "admin"), new Random());
    }

    /** Chaos through this data source with a fixed seed, for reproducible choices. */
    public static Chaos using(DataSource admin, long seed) {
        return new Chaos(Objects.requireNonNull(admin, "admin"), new Random(seed));
    }

    /** Chaos on a fixture server, connecting as its superuser. */
    public static Chaos on(PostgresServer server) {
        return using(server.dataSource("postgres", PostgresServer.SUPERUSER, server.password()));
    }

    /**
     * Terminates every backend holding (granted) the advisory lock {@code key}, which releases the lock
     * and rolls back the holder's open transaction.
     *
     * @return the pids terminated; empty when nobody held the key
     * @throws IllegalStateException when the server cannot be reached or refuses (the message says why)
     */
    public List<Integer> terminateHolderOf(LockKey key) {
        return terminate("""
                SELECT pid, pg_terminate_backend(pid) FROM pg_locks
                 WHERE locktype = 'advisory' AND granted AND classid::bigint = ? AND objid::bigint = ?
                   AND objsubid = ? AND pid <> pg_backend_pid()""",
                key.classid(), key.objid(), key.objsubid());
    }

    /**
     * Terminates one backend, chosen at random among those holding any advisory lock.
     *
     * @return the pid terminated, empty when no session held an advisory lock
     * @throws IllegalStateException when the server cannot be reached or refuses (the message says why)
     */
    public Optional<Integer> terminateRandomHolder() {
        List<Integer> holders = new ArrayList<>();
        try (Connection c = admin.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT DISTINCT pid FROM pg_locks WHERE locktype = 'advisory' "
                     + "AND granted AND pid <> pg_backend_pid() ORDER BY pid")) {
            while (rs.next()) {
                holders.add(rs.getInt(1));
            }
            if (holders.isEmpty()) {
                return Optional.empty();
            }
            int pid = holders.get(random.nextInt(holders.size()));
            try (PreparedStatement kill = c.prepareStatement("SELECT pg_terminate_backend(?)")) {
                kill.setInt(1, pid);
                kill.execute();
            }
            return Optional.of(pid);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot terminate an advisory lock holder: " + e.getMessage(), e);
        }
    }

    /**
     * Restarts the server: every session ends and every lock is released. Returns when the server
     * accepts connections again.
     */
    public static void restart(PostgresServer server) {
        server.restart();
    }

    /**
     * Asks PgBouncer to close each server connection once it is released ({@code RECONNECT}): session
     * state, leaked session locks included, goes away without cutting a running transaction.
     *
     * @throws IllegalStateException when the console refuses the command
     */
    public static void reconnectPooler(PgBouncer pooler) {
        console(pooler, "RECONNECT");
    }

    /**
     * Drops every client and server connection of {@code database} on PgBouncer at once ({@code KILL}),
     * then lets new clients in again ({@code RESUME}): open transactions through the pooler are cut.
     *
     * @throws IllegalStateException when the console refuses a command
     */
    public static void killPoolerConnections(PgBouncer pooler, String database) {
        console(pooler, "KILL " + requireIdentifier(database));
        console(pooler, "RESUME " + requireIdentifier(database));
    }

    private static void console(PgBouncer pooler, String command) {
        try {
            pooler.console(command);
        } catch (SQLException e) {
            throw new IllegalStateException("PgBouncer console refused '" + command + "': " + e.getMessage(), e);
        }
    }

    private static String requireIdentifier(String database) {
        if (database == null || !database.matches("[A-Za-z_][A-Za-z0-9_$-]*")) {
            throw new IllegalArgumentException("not a plain database name: '" + database + "'");
        }
        return database;
    }

    private List<Integer> terminate(String sql, Object... args) {
        List<Integer> pids = new ArrayList<>();
        try (Connection c = admin.getConnection(); PreparedStatement st = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                st.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    if (rs.getBoolean(2)) {
                        pids.add(rs.getInt(1));
                    }
                }
            }
            return pids;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot terminate the holders of an advisory lock: " + e.getMessage(), e);
        }
    }
}
