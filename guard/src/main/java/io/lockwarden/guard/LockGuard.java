package io.lockwarden.guard;

import io.lockwarden.LockListener;
import io.lockwarden.guard.internal.ConnectionGuard;
import io.lockwarden.guard.internal.Forwarding;
import io.lockwarden.guard.internal.GuardSettings;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.time.Duration;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Drop-in protection for JDBC code that takes PostgreSQL advisory locks with plain SQL and cannot be rewritten:
 * wrap the pool ({@link #wrap(DataSource)}), or change the JDBC URL to {@code jdbc:lockwarden:postgresql://...}
 * ({@link Driver}). Every connection then tracks the advisory locks its statements take and release
 * ({@code pg_advisory_lock}, {@code pg_try_*} with the result read, {@code _shared}, {@code _xact_},
 * {@code pg_advisory_unlock*}, literal and bound keys, both key forms, batches, several statements in one
 * string, CallableStatement escapes), and when the connection is returned with session-level locks still held
 * it releases and reports them (key, how long, stack trace of where each was taken). What it cannot follow
 * it settles from {@code pg_locks} at return. Transaction-level locks are left to their transaction. Behind
 * PgBouncer in transaction pooling, declare it ({@link Builder#pooler(Pooler)}, {@code lockwarden.pooler=transaction}):
 * session locks are then settled before each transaction ends, on the server connection that holds them.
 *
 * <pre>{@code
 * HikariDataSource pool = new HikariDataSource(config);
 * DataSource guarded = LockGuard.wrap(pool);                      // defaults: release and WARN
 * DataSource strict = LockGuard.builder().mode(GuardMode.FAIL_FAST).wrap(pool);
 * }</pre>
 *
 * <p>The logger is {@code io.lockwarden.guard.LockGuard}. Thread-safe: a guarded DataSource is as thread-safe
 * as the pool it wraps; guarded connections are used as JDBC connections are.
 */
public final class LockGuard {
    private LockGuard() {
    }

    /**
     * Wraps a pool with the defaults: release and WARN at return, check {@code pg_locks} only when the
     * connection may hold a lock, 5 s bound on the check. A DataSource already guarded is returned as is.
     *
     * @throws NullPointerException when pool is null
     */
    public static DataSource wrap(DataSource pool) {
        return builder().wrap(pool);
    }

    /** A builder for a guard with other settings. */
    public static Builder builder() {
        return new Builder();
    }

    /** Whether a DataSource was made by {@link #wrap}. */
    static boolean isGuarded(DataSource ds) {
        return Proxy.isProxyClass(ds.getClass()) && Proxy.getInvocationHandler(ds) instanceof PoolHandler;
    }

    /** Settings of a guard. Not thread-safe; the guards it makes are. */
    public static final class Builder {
        private GuardMode mode = GuardMode.RELEASE;
        private ReturnCheck check = ReturnCheck.WHEN_LOCKED;
        private Duration releaseTimeout = GuardSettings.DEFAULT_RELEASE_TIMEOUT;
        private LockListener listener = LockListener.NONE;
        private Pooler pooler = Pooler.NONE;

        private Builder() {
        }

        /** Release and WARN (default), report only, or fail fast. */
        public Builder mode(GuardMode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /** When to read {@code pg_locks} at return (default {@link ReturnCheck#WHEN_LOCKED}). */
        public Builder check(ReturnCheck check) {
            this.check = Objects.requireNonNull(check, "check");
            return this;
        }

        /**
         * The network timeout of the check and release at return (default 5 s): a backend that does not answer
         * within it costs the returning thread at most that long, and the pool then finds the connection broken.
         *
         * @throws IllegalArgumentException when not positive
         */
        public Builder releaseTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("releaseTimeout must be positive, got " + timeout);
            }
            this.releaseTimeout = timeout;
            return this;
        }

        /**
         * Receives {@link LockListener#abandoned} for every lock released at return (with the stack trace of
         * where it was taken); must be fast and thread-safe.
         */
        public Builder listener(LockListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * What is between the application and PostgreSQL (default {@link Pooler#NONE}: a direct connection or
         * session pooling). {@link Pooler#TRANSACTION} behind PgBouncer in transaction pooling: session locks are
         * then settled before each transaction ends, on the server connection that holds them.
         */
        public Builder pooler(Pooler pooler) {
            this.pooler = Objects.requireNonNull(pooler, "pooler");
            return this;
        }

        /**
         * Wraps a pool: each connection it hands out is guarded, and its {@code close()} (the return to the
         * pool) checks and releases first. A DataSource already guarded is returned as is.
         *
         * @throws NullPointerException when pool is null
         */
        public DataSource wrap(DataSource pool) {
            Objects.requireNonNull(pool, "pool");
            if (isGuarded(pool)) {
                return pool;
            }
            return (DataSource) Proxy.newProxyInstance(LockGuard.class.getClassLoader(),
                    new Class<?>[] {DataSource.class}, new PoolHandler(pool, settings()));
        }

        /**
         * Guards one connection; its {@code close()} checks and releases first. For code that manages its own
         * connections; a pool is better wrapped with {@link #wrap(DataSource)}.
         *
         * @throws NullPointerException when connection is null
         */
        public Connection wrap(Connection connection) {
            return ConnectionGuard.wrap(Objects.requireNonNull(connection, "connection"), settings(), false);
        }

        GuardSettings settings() {
            return GuardSettings.of(mode, check, releaseTimeout, listener, pooler);
        }
    }

    /** Passes everything to the pool and guards the connections it hands out. */
    private static final class PoolHandler extends Forwarding {
        private final GuardSettings settings;

        PoolHandler(DataSource pool, GuardSettings settings) {
            super(pool);
            this.settings = settings;
        }

        @Override
        public Object invoke(Object self, Method method, Object[] args) throws Throwable {
            Object result = forwardOrAnswer(self, method, args);
            return result instanceof Connection c && method.getName().equals("getConnection")
                    ? ConnectionGuard.wrap(c, settings, false) : result;
        }
    }
}
