package io.lockwarden;

import static io.lockwarden.internal.ApiArguments.requireCallback;
import static io.lockwarden.internal.ApiArguments.requireConnection;
import static io.lockwarden.internal.ApiArguments.requireKey;
import static io.lockwarden.internal.ApiArguments.requireMode;
import static io.lockwarden.internal.ApiArguments.requireTimeout;
import static io.lockwarden.internal.ApiArguments.requireWork;

import io.lockwarden.internal.Connections;
import io.lockwarden.internal.FencingTable;
import io.lockwarden.internal.GuardedDataSource;
import io.lockwarden.internal.HeldLock;
import io.lockwarden.internal.LockReporter;
import io.lockwarden.internal.SessionAcquisition;
import io.lockwarden.internal.TransactionLocks;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Consumer;
import javax.sql.DataSource;

/**
 * The entry point: PostgreSQL advisory locks that cannot outlive the work they protect.
 *
 * <pre>{@code
 * AdvisoryLocks locks = AdvisoryLocks.using(dataSource);
 * Invoice invoice = locks.withLock(LockKey.named("billing", "invoice-42"), Duration.ofSeconds(5),
 *         connection -> issueInvoice(connection, 42));
 * }</pre>
 *
 * <h2>Scopes, from safest to most demanding</h2>
 * <ul>
 *   <li><b>Transaction scope</b> (the default path): {@link #withLock}, {@link #tryWithLock},
 *       {@link #withLocks}, {@link #withSharedLock}. The work runs in a transaction that first takes
 *       {@code pg_advisory_xact_lock}; the lock ends with the transaction, so it cannot leak, not even
 *       through a transaction-pooling proxy. The wait is bounded by the server ({@code lock_timeout},
 *       set only for the lock statement). A free lock costs exactly one round trip (the transaction's
 *       BEGIN travels with it); a busy one costs a second, which waits. Commit on success; rollback on any exception or error; autocommit restored; connection
 *       closed (returned to its pool).</li>
 *   <li><b>A transaction you own</b> (e.g. managed by Spring): {@link #lockInTransaction},
 *       {@link #tryLockInTransaction}. Refused with {@link UnsafeLockUsageException} on an autocommit
 *       connection, where the lock would end with the statement.</li>
 *   <li><b>Session scope</b>: {@link #acquire}, {@link #tryAcquire} return a {@link SessionLock} for
 *       try-with-resources, on a dedicated connection kept out of the pool while held.</li>
 *   <li><b>Long-held</b> (leader election): {@link #holdLeader}, {@link #tryHoldLeader} return a
 *       {@link LeaderLock} with a heartbeat and a lost-lock callback.</li>
 * </ul>
 * Shared (read) locks: the {@link LockMode} overloads, or {@link #withSharedLock}. Safety net for
 * pools: {@link #guard(DataSource)}. Fencing tokens for session and leader locks, so that protected
 * writes can refuse a stale holder: {@link Builder#fencingTokens(boolean)}.
 *
 * <h2>Failures</h2>
 * All unchecked: {@link LockTimeoutException} (server {@code lock_timeout}, SQLSTATE 55P03),
 * {@link LockNotAvailableException}, {@link LockInterruptedException}, {@link LockLostException},
 * {@link UnsafeLockUsageException}, {@link LockDatabaseException} (a driver {@code SQLException},
 * wrapped), {@link LockedWorkException} (a checked exception from the work, wrapped). Bad arguments
 * (null key or work, negative or zero timeout, a DataSource that is not PostgreSQL, found on first use)
 * throw {@link IllegalArgumentException} at the call site.
 *
 * <h2>Observability</h2>
 * Every acquire, release and failure is logged to SLF4J logger {@code io.lockwarden.AdvisoryLocks}
 * with the key (its name when known), backend pid, wait and hold time: DEBUG for normal events, WARN
 * for problems; and passed to the {@link LockListener} set on the {@link Builder}.
 *
 * <p>Thread-safe: one instance per DataSource, shared by the whole application.
 */
public final class AdvisoryLocks {
    /** The default lock wait when none is given: 30 seconds. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    /** The default heartbeat interval of leader locks: 5 seconds. */
    public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(5);

    /**
     * The default bound on how long a lock outlives a client that stopped answering (crashed, cut off):
     * 30 seconds (or three heartbeats, if longer). See {@link Builder#vanishedClientTimeout(Duration)}.
     */
    public static final Duration DEFAULT_VANISHED_CLIENT_TIMEOUT = Duration.ofSeconds(30);

    /** The default name of the fencing-token table: {@value}. */
    public static final String DEFAULT_FENCING_TABLE = "lockwarden_fencing";

    private final Duration defaultTimeout;
    private final Duration heartbeat;
    private final boolean transactionPooling;
    private final LockReporter reporter;
    private final Connections connections;
    private final SessionAcquisition sessions;
    private final FencingTable fencing;
    private final TransactionLocks transactions;

    private AdvisoryLocks(Builder b) {
        this.defaultTimeout = b.defaultTimeout;
        this.heartbeat = b.heartbeat;
        this.transactionPooling = b.transactionPooling;
        this.reporter = new LockReporter(b.listener, b.clock);
        this.connections = new Connections(b.dataSource, reporter);
        this.fencing = b.fencingTable == null ? null : FencingTable.named(b.fencingTable);
        this.sessions = new SessionAcquisition(connections, reporter, fencing, b.vanishedClientTimeout);
        this.transactions = new TransactionLocks(connections, reporter, b.vanishedClientTimeout);
    }

    /**
     * The SQL that creates a fencing-token table (idempotent: {@code CREATE TABLE IF NOT EXISTS}), for a
     * migration when the application's role may not create tables; see {@link Builder#fencingTable(String)}.
     *
     * @param table {@code table} or {@code schema.table}, lower-case letters, digits and underscores
     * @throws IllegalArgumentException for another name
     */
    public static String fencingTableSql(String table) {
        return FencingTable.named(table).createSql();
    }

    /**
     * Locks on a DataSource with the defaults (30 s timeout, no listener, system clock, 5 s heartbeat).
     *
     * @param dataSource a PostgreSQL DataSource, pooled or not (checked on first use)
     * @return the thread-safe entry point
     * @throws IllegalArgumentException when dataSource is null
     */
    public static AdvisoryLocks using(DataSource dataSource) {
        return builder(dataSource).build();
    }

    /**
     * A builder for locks on a DataSource.
     *
     * @param dataSource a PostgreSQL DataSource, pooled or not (checked on first use)
     * @return a builder with the defaults
     * @throws IllegalArgumentException when dataSource is null
     */
    public static Builder builder(DataSource dataSource) {
        return new Builder(dataSource);
    }

    /**
     * Wraps a connection pool so that, whenever a connection goes back to the pool, every session
     * lock taken on it through Lockwarden ({@link #acquireOn}, {@link #tryAcquireOn}) and still held
     * is released and reported at WARN (with where it was acquired) and to the lock's listener. Use
     * the returned DataSource everywhere the application took the pool. Costs nothing for connections
     * without such locks. Locks taken with raw SQL are not seen (the {@code scan} module finds those).
     *
     * @param pool any DataSource, typically HikariCP's
     * @return a DataSource handing out guarded connections; thread-safe when the pool is
     * @throws IllegalArgumentException when pool is null
     */
    public static DataSource guard(DataSource pool) {
        if (pool == null) {
            throw new IllegalArgumentException("pool must not be null: pass the DataSource the application "
                    + "borrows connections from (e.g. a HikariDataSource)");
        }
        return pool instanceof GuardedDataSource ? pool : new GuardedDataSource(pool);
    }

    /** The timeout used by methods that take none. */
    public Duration defaultTimeout() {
        return defaultTimeout;
    }

    /** The heartbeat interval of session and leader locks on Lockwarden's own connections. */
    public Duration heartbeat() {
        return heartbeat;
    }

    /** The table issuing fencing tokens to session and leader locks, or empty when tokens are off. */
    public Optional<String> fencingTable() {
        return fencing == null ? Optional.empty() : Optional.of(fencing.name());
    }

    // ---------------------------------------------------------------- transaction scope

    /**
     * Runs {@code work} in a transaction holding the exclusive transaction-level lock on {@code key},
     * waiting up to the {@linkplain #defaultTimeout() default timeout}. See {@link #withLock(LockKey, LockMode, Duration, SqlWork)}.
     */
    public <T> T withLock(LockKey key, SqlWork<T> work) {
        return withLock(key, LockMode.EXCLUSIVE, defaultTimeout, work);
    }

    /**
     * Runs {@code work} in a transaction holding the exclusive transaction-level lock on {@code key},
     * waiting up to {@code timeout}. See {@link #withLock(LockKey, LockMode, Duration, SqlWork)}.
     */
    public <T> T withLock(LockKey key, Duration timeout, SqlWork<T> work) {
        return withLock(key, LockMode.EXCLUSIVE, timeout, work);
    }

    /** Like {@link #withLock(LockKey, SqlWork)} with a shared lock (many shared holders coexist). */
    public <T> T withSharedLock(LockKey key, SqlWork<T> work) {
        return withLock(key, LockMode.SHARED, defaultTimeout, work);
    }

    /** Like {@link #withLock(LockKey, Duration, SqlWork)} with a shared lock. */
    public <T> T withSharedLock(LockKey key, Duration timeout, SqlWork<T> work) {
        return withLock(key, LockMode.SHARED, timeout, work);
    }

    /**
     * Runs {@code work} in its own transaction that first takes the transaction-level lock on
     * {@code key} ({@code pg_advisory_xact_lock[_shared]}) with a server-side {@code lock_timeout} of
     * {@code timeout}: one round trip when the lock is free, a second (the wait) when it is busy.
     * Commits when the work returns, rolls back when it throws
     * anything; then restores the connection's autocommit and closes it. The lock ends with the
     * transaction. The work must not commit, roll back or close the connection.
     *
     * @param <T>     the work's result type
     * @param key     the lock
     * @param mode    exclusive or shared
     * @param timeout the longest wait for the lock, enforced by the server
     * @param work    what to run under the lock, inside its transaction
     * @return what the work returned
     * @throws LockTimeoutException      when the lock was not granted within {@code timeout} (the message names the holder)
     * @throws LockInterruptedException  when the thread was interrupted while waiting
     * @throws LockDatabaseException     when the driver failed (connecting, locking or committing)
     * @throws LockedWorkException       when the work threw a checked exception (unchecked ones and
     *                                   errors are rethrown as they are)
     * @throws IllegalArgumentException  for a null key, mode or work, a timeout that is not positive,
     *                                   or a DataSource that is not PostgreSQL
     */
    public <T> T withLock(LockKey key, LockMode mode, Duration timeout, SqlWork<T> work) {
        requireKey(key);
        @SuppressWarnings("unchecked")
        T result = (T) transactions.run(List.of(key), requireMode(mode), requireTimeout(timeout), requireWork(work));
        return result;
    }

    /**
     * Runs {@code work} under the exclusive transaction-level lock on {@code key} only if it is free
     * right now ({@code pg_try_advisory_xact_lock}, one round trip); otherwise does nothing.
     *
     * @param <T>  the work's result type
     * @param key  the lock
     * @param work what to run under the lock, inside its transaction
     * @return the work's result, or empty when the lock was busy (a work returning null also gives empty)
     * @throws LockDatabaseException    when the driver failed
     * @throws LockedWorkException      when the work threw a checked exception
     * @throws IllegalArgumentException for a null key or work, or a DataSource that is not PostgreSQL
     */
    public <T> Optional<T> tryWithLock(LockKey key, SqlWork<T> work) {
        return tryWithLock(key, LockMode.EXCLUSIVE, work);
    }

    /** Like {@link #tryWithLock(LockKey, SqlWork)} in the given mode. */
    public <T> Optional<T> tryWithLock(LockKey key, LockMode mode, SqlWork<T> work) {
        requireKey(key);
        Object result = transactions.run(List.of(key), requireMode(mode), null, requireWork(work));
        @SuppressWarnings("unchecked")
        Optional<T> typed = result == TransactionLocks.NOT_ACQUIRED ? Optional.empty() : Optional.ofNullable((T) result);
        return typed;
    }

    /**
     * Runs {@code work} in a transaction holding exclusive transaction-level locks on all
     * {@code keys}, taken in one deterministic order (the natural order of {@link LockKey}, duplicates
     * removed) in a single statement, so that two callers locking overlapping sets in different orders
     * never deadlock. {@code timeout} bounds the wait for each key.
     *
     * @param <T>     the work's result type
     * @param keys    the locks; order and duplicates do not matter
     * @param timeout the longest wait for each lock, enforced by the server
     * @param work    what to run under the locks, inside their transaction
     * @return what the work returned
     * @throws IllegalArgumentException when keys is null, empty or contains null
     * @see #withLock(LockKey, LockMode, Duration, SqlWork) for the other failures
     */
    public <T> T withLocks(Collection<LockKey> keys, Duration timeout, SqlWork<T> work) {
        return withLocks(keys, LockMode.EXCLUSIVE, timeout, work);
    }

    /** Like {@link #withLocks(Collection, Duration, SqlWork)} in the given mode. */
    public <T> T withLocks(Collection<LockKey> keys, LockMode mode, Duration timeout, SqlWork<T> work) {
        if (keys == null || keys.isEmpty()) {
            throw new IllegalArgumentException("keys must not be null or empty: pass the LockKeys the work needs");
        }
        for (LockKey key : keys) {
            requireKey(key);
        }
        List<LockKey> ordered = new ArrayList<>(new TreeSet<>(keys));
        @SuppressWarnings("unchecked")
        T result = (T) transactions.run(ordered, requireMode(mode), requireTimeout(timeout), requireWork(work));
        return result;
    }

    // ---------------------------------------------------------------- caller-owned transaction

    /**
     * Takes the exclusive transaction-level lock on {@code key} in the caller's open transaction,
     * waiting up to {@code timeout} (one round trip; the transaction's own {@code lock_timeout} is left
     * as it was). The lock ends when the caller commits or rolls back.
     *
     * @param connection the caller's connection, with autocommit off and a transaction in progress
     * @param key        the lock
     * @param timeout    the longest wait, enforced by the server
     * @throws UnsafeLockUsageException when the connection is in autocommit mode (the lock would end
     *                                  with this one statement and protect nothing)
     * @throws LockTimeoutException     when not granted within timeout; the caller's transaction is
     *                                  then aborted and must be rolled back
     * @throws LockInterruptedException when the thread was interrupted while waiting
     * @throws LockDatabaseException    when the driver failed
     * @throws IllegalArgumentException for null arguments, a non-positive timeout, or a connection
     *                                  that is not PostgreSQL
     */
    public void lockInTransaction(Connection connection, LockKey key, Duration timeout) {
        lockInTransaction(connection, key, LockMode.EXCLUSIVE, timeout);
    }

    /** Like {@link #lockInTransaction(Connection, LockKey, Duration)} in the given mode. */
    public void lockInTransaction(Connection connection, LockKey key, LockMode mode, Duration timeout) {
        requireKey(key);
        requireMode(mode);
        requireTimeout(timeout);
        transactions.lockIn(connection, key, mode, timeout);
    }

    /**
     * Takes the exclusive transaction-level lock on {@code key} in the caller's open transaction if it
     * is free right now (one round trip).
     *
     * @param connection the caller's connection, with autocommit off
     * @param key        the lock
     * @return true when acquired (held until the caller's transaction ends), false when busy
     * @throws UnsafeLockUsageException when the connection is in autocommit mode
     * @throws LockDatabaseException    when the driver failed
     * @throws IllegalArgumentException for null arguments or a connection that is not PostgreSQL
     */
    public boolean tryLockInTransaction(Connection connection, LockKey key) {
        return tryLockInTransaction(connection, key, LockMode.EXCLUSIVE);
    }

    /** Like {@link #tryLockInTransaction(Connection, LockKey)} in the given mode. */
    public boolean tryLockInTransaction(Connection connection, LockKey key, LockMode mode) {
        requireKey(key);
        requireMode(mode);
        return transactions.tryLockIn(connection, key, mode);
    }

    // ---------------------------------------------------------------- session scope

    /** Acquires an exclusive session lock, waiting up to the default timeout. See {@link #acquire(LockKey, LockMode, Duration)}. */
    public SessionLock acquire(LockKey key) {
        return acquire(key, LockMode.EXCLUSIVE, defaultTimeout);
    }

    /** Acquires an exclusive session lock, waiting up to {@code timeout}. See {@link #acquire(LockKey, LockMode, Duration)}. */
    public SessionLock acquire(LockKey key, Duration timeout) {
        return acquire(key, LockMode.EXCLUSIVE, timeout);
    }

    /**
     * Acquires a session-level lock ({@code pg_advisory_lock[_shared]}, one round trip with a
     * server-side {@code lock_timeout}) on a connection taken from the DataSource and kept for the
     * lock alone until {@link SessionLock#close()}. Prefer {@link #withLock} unless the lock must span
     * several transactions.
     *
     * @param key     the lock
     * @param mode    exclusive or shared
     * @param timeout the longest wait, enforced by the server
     * @return the held lock; close it in try-with-resources
     * @throws LockTimeoutException     when not granted within timeout
     * @throws LockInterruptedException when the thread was interrupted while waiting
     * @throws LockDatabaseException    when the driver failed
     * @throws IllegalArgumentException for null arguments, a non-positive timeout or a DataSource that
     *                                  is not PostgreSQL
     */
    public SessionLock acquire(LockKey key, LockMode mode, Duration timeout) {
        requireKey(key);
        HeldLock held = sessions.dedicated(key, requireMode(mode), requireTimeout(timeout), LockScope.SESSION);
        SessionLock lock = new SessionLock(held);
        held.startHeartbeat(heartbeat, null);
        return lock;
    }

    /** Acquires an exclusive session lock if it is free right now; empty when busy. See {@link #acquire(LockKey, LockMode, Duration)}. */
    public Optional<SessionLock> tryAcquire(LockKey key) {
        return tryAcquire(key, LockMode.EXCLUSIVE);
    }

    /** Acquires a session lock in the given mode if it is free right now; empty when busy. */
    public Optional<SessionLock> tryAcquire(LockKey key, LockMode mode) {
        requireKey(key);
        HeldLock held = sessions.dedicated(key, requireMode(mode), null, LockScope.SESSION);
        if (held == null) {
            return Optional.empty();
        }
        SessionLock lock = new SessionLock(held);
        held.startHeartbeat(heartbeat, null);
        return Optional.of(lock);
    }

    /**
     * Acquires an exclusive session lock on a connection the caller owns (for code that needs the
     * lock on its own connection across several transactions). {@link SessionLock#close()} unlocks
     * but leaves the connection open. If the connection comes from a pool wrapped with
     * {@link #guard(DataSource)}, returning it to the pool while the lock is held releases and reports
     * the lock. Unlike {@link #acquire}, a garbage-collected handle is released on the caller's
     * connection from Lockwarden's cleaner thread, concurrently with whatever the caller does there.
     *
     * @throws LockTimeoutException     when not granted within timeout (if the connection was inside a
     *                                  transaction, that transaction is aborted and must be rolled back)
     * @throws LockInterruptedException when the thread was interrupted while waiting
     * @throws LockDatabaseException    when the driver failed
     * @throws IllegalArgumentException for null arguments, a non-positive timeout or a connection that
     *                                  is not PostgreSQL
     */
    public SessionLock acquireOn(Connection connection, LockKey key, Duration timeout) {
        requireKey(key);
        requireTimeout(timeout);
        requireConnection(connection);
        refuseBehindTransactionPooler(key, "acquireOn");
        return new SessionLock(sessions.on(connection, key, timeout));
    }

    /** Like {@link #acquireOn} without waiting; empty when the lock is busy. */
    public Optional<SessionLock> tryAcquireOn(Connection connection, LockKey key) {
        requireKey(key);
        requireConnection(connection);
        refuseBehindTransactionPooler(key, "tryAcquireOn");
        HeldLock held = sessions.on(connection, key, null);
        return held == null ? Optional.empty() : Optional.of(new SessionLock(held));
    }

    private void refuseBehindTransactionPooler(LockKey key, String method) {
        if (transactionPooling) {
            throw new UnsafeLockUsageException(key, "refusing " + method + " for session lock " + key + ": this "
                    + "AdvisoryLocks was built with transactionPooling(true), and behind a transaction pooler a "
                    + "session lock on the caller's connection moves to whichever client gets that server "
                    + "connection once the caller's transaction ends. Nothing was locked. Fix: use acquire "
                    + "(Lockwarden's own pinned connection) or withLock / lockInTransaction (transaction scope).");
        }
    }

    // ---------------------------------------------------------------- leader locks

    /** Holds the leader lock on {@code key}, waiting up to the default timeout. See {@link #holdLeader(LockKey, Duration, Consumer)}. */
    public LeaderLock holdLeader(LockKey key, Consumer<LockLostException> onLost) {
        return holdLeader(key, defaultTimeout, onLost);
    }

    /**
     * Takes an exclusive session lock on a dedicated connection and keeps it, with a heartbeat every
     * half {@linkplain #heartbeat() interval}, until {@link LeaderLock#close()}.
     *
     * @param key     the leadership lock, e.g. {@code LockKey.named("jobs", "scheduler")}
     * @param timeout the longest wait for the current leader to step down
     * @param onLost called once, on a Lockwarden thread, within one heartbeat interval of the lock
     *               being lost (backend terminated, server restarted, network dropped); should stop
     *               the work that needs leadership. Must not block for long.
     * @return the held leadership; close it to step down
     * @throws LockTimeoutException     when another leader holds it for longer than timeout
     * @throws LockInterruptedException when the thread was interrupted while waiting
     * @throws LockDatabaseException    when the driver failed
     * @throws IllegalArgumentException for null arguments, a non-positive timeout or a DataSource that
     *                                  is not PostgreSQL
     */
    public LeaderLock holdLeader(LockKey key, Duration timeout, Consumer<LockLostException> onLost) {
        requireKey(key);
        requireTimeout(timeout);
        requireCallback(onLost);
        HeldLock held = sessions.dedicated(key, LockMode.EXCLUSIVE, timeout, LockScope.LEADER);
        LeaderLock leader = new LeaderLock(held);
        held.startHeartbeat(heartbeat, onLost);
        return leader;
    }

    /**
     * Becomes leader if nobody is (one round trip); empty when another process leads.
     *
     * @see #holdLeader(LockKey, Duration, Consumer)
     */
    public Optional<LeaderLock> tryHoldLeader(LockKey key, Consumer<LockLostException> onLost) {
        requireKey(key);
        requireCallback(onLost);
        HeldLock held = sessions.dedicated(key, LockMode.EXCLUSIVE, null, LockScope.LEADER);
        if (held == null) {
            return Optional.empty();
        }
        LeaderLock leader = new LeaderLock(held);
        held.startHeartbeat(heartbeat, onLost);
        return Optional.of(leader);
    }

    /**
     * Configures an {@link AdvisoryLocks}. Not thread-safe; build once and share the result.
     */
    public static final class Builder {
        private final DataSource dataSource;
        private Duration defaultTimeout = DEFAULT_TIMEOUT;
        private Duration heartbeat = DEFAULT_HEARTBEAT;
        private Duration vanishedClientTimeout;
        private boolean transactionPooling;
        private LockListener listener = LockListener.NONE;
        private Clock clock = Clock.systemUTC();
        private String fencingTable;

        private Builder(DataSource dataSource) {
            if (dataSource == null) {
                throw new IllegalArgumentException("dataSource must not be null: pass the application's PostgreSQL "
                        + "DataSource (pooled or not)");
            }
            this.dataSource = dataSource;
        }

        /**
         * How long methods without a timeout argument wait for a lock (default 30 s).
         *
         * @throws IllegalArgumentException when not positive
         */
        public Builder defaultTimeout(Duration timeout) {
            this.defaultTimeout = requireTimeout(timeout);
            return this;
        }

        /**
         * The heartbeat interval of session and leader locks on Lockwarden's own connections (default 5 s):
         * a leader's loss is reported within this time, and the heartbeat keeps a held lock's connection
         * from looking vanished. Must be shorter than the {@linkplain #vanishedClientTimeout(Duration)
         * vanished-client timeout} (checked by {@link #build()}).
         *
         * @throws IllegalArgumentException when shorter than 2 ms
         */
        public Builder heartbeat(Duration interval) {
            if (interval == null || interval.toMillis() < 2) {
                throw new IllegalArgumentException("heartbeat interval must be at least 2 ms, got " + interval
                        + ": pass e.g. Duration.ofSeconds(5)");
            }
            this.heartbeat = interval;
            return this;
        }

        /**
         * Bounds how long a lock outlives a client that stopped answering (a crashed host, a network
         * partition, a JVM stopped in a debugger): the server ends such a session, and so its locks, once it
         * has waited this long for the client's next statement inside a transaction (default 30 s; zero
         * leaves the server's own {@code idle_in_transaction_session_timeout}). Lockwarden sets
         * {@code idle_in_transaction_session_timeout} for its own transactions only ({@code withLock}
         * work, and the pinned connections of {@code acquire} and {@code holdLeader}, whose heartbeats
         * keep them busy): work under {@code withLock} that spends longer than this between two
         * statements is ended too. The caller's own transactions ({@code lockInTransaction}) are left as
         * they are. Works on PostgreSQL 9.6 and later, and through PgBouncer (the server enforces it).
         * When not set: 30 s, or three heartbeat intervals if that is longer.
         *
         * @throws IllegalArgumentException when negative or null
         */
        public Builder vanishedClientTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative()) {
                throw new IllegalArgumentException("vanishedClientTimeout must be zero (off) or positive, got "
                        + timeout + ": pass e.g. Duration.ofSeconds(30)");
            }
            this.vanishedClientTimeout = timeout;
            return this;
        }

        /**
         * Says that the DataSource reaches PostgreSQL through a transaction-pooling proxy (PgBouncer
         * {@code pool_mode = transaction}, and similar). Lockwarden's own session and leader locks are
         * pinned and safe there either way; this makes {@code acquireOn} / {@code tryAcquireOn}, which lock
         * on the caller's connection and cannot pin it, refuse before locking. Default: false.
         */
        public Builder transactionPooling(boolean enabled) {
            this.transactionPooling = enabled;
            return this;
        }

        /**
         * Receives every lock event (for metrics). Default: none.
         *
         * @throws IllegalArgumentException when null (use {@link LockListener#NONE})
         */
        public Builder listener(LockListener listener) {
            if (listener == null) {
                throw new IllegalArgumentException("listener must not be null: use LockListener.NONE for none");
            }
            this.listener = listener;
            return this;
        }

        /**
         * The clock wait and hold times are measured with (default: the system clock).
         *
         * @throws IllegalArgumentException when null
         */
        public Builder clock(Clock clock) {
            if (clock == null) {
                throw new IllegalArgumentException("clock must not be null: use Clock.systemUTC()");
            }
            this.clock = clock;
            return this;
        }

        /**
         * Issues fencing tokens from the table {@value AdvisoryLocks#DEFAULT_FENCING_TABLE}
         * ({@code true}), or none ({@code false}, the default). See {@link #fencingTable(String)}.
         */
        public Builder fencingTokens(boolean enabled) {
            this.fencingTable = enabled ? DEFAULT_FENCING_TABLE : null;
            return this;
        }

        /**
         * Gives every {@link SessionLock} and {@link LeaderLock} taken on Lockwarden's own connection
         * ({@code acquire}, {@code tryAcquire}, {@code holdLeader}, {@code tryHoldLeader}) a fencing token:
         * a number that strictly increases every time any client acquires that key, issued by the
         * database in the acquiring round trip (one {@code INSERT ... ON CONFLICT DO UPDATE ... RETURNING}
         * on this table, in the same statement as the lock). The table has one row per key, is created on
         * first use ({@code CREATE TABLE IF NOT EXISTS}; without that privilege, create it with
         * {@link AdvisoryLocks#fencingTableSql(String)} in a migration) and needs INSERT and UPDATE.
         * Default: no tokens.
         *
         * @param table {@code table} or {@code schema.table}, lower-case letters, digits and underscores
         * @throws IllegalArgumentException for another name
         */
        public Builder fencingTable(String table) {
            this.fencingTable = FencingTable.named(table).name();
            return this;
        }

        /**
         * Builds the (thread-safe) lock entry point.
         *
         * @throws IllegalArgumentException when the heartbeat is not shorter than the vanished-client timeout
         *                                  (held locks would be ended by the server between two heartbeats)
         */
        public AdvisoryLocks build() {
            if (vanishedClientTimeout == null) {
                Duration threeBeats = heartbeat.multipliedBy(3);
                vanishedClientTimeout = threeBeats.compareTo(DEFAULT_VANISHED_CLIENT_TIMEOUT) > 0 ? threeBeats
                        : DEFAULT_VANISHED_CLIENT_TIMEOUT;
            }
            if (!vanishedClientTimeout.isZero() && heartbeat.compareTo(vanishedClientTimeout) >= 0) {
                throw new IllegalArgumentException("heartbeat (" + heartbeat + ") must be shorter than "
                        + "vanishedClientTimeout (" + vanishedClientTimeout + "): the server would end a held "
                        + "lock's idle session between two heartbeats. Fix: lower the heartbeat or raise the timeout");
            }
            return new AdvisoryLocks(this);
        }
    }
}
