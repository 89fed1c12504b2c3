package io.lockwarden.spring;

import io.lockwarden.AdvisoryLocks;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code lockwarden.*} properties. Bound once at startup; not thread-safe to change afterwards.
 */
@ConfigurationProperties(prefix = "lockwarden")
public class LockwardenProperties {
    /** Whether to auto-configure Lockwarden at all. */
    private boolean enabled = true;

    /** How long a lock waits when no wait is given (annotations without wait, AdvisoryLocks methods without a timeout). */
    private Duration defaultTimeout = AdvisoryLocks.DEFAULT_TIMEOUT;

    /** Heartbeat interval of session and leader locks (ScheduledSingleton): a lost lock is noticed, and the run interrupted, within this time; shorter than vanished-client-timeout. */
    private Duration heartbeat = AdvisoryLocks.DEFAULT_HEARTBEAT;

    /**
     * How long a lock outlives an instance that stopped answering (crash, partition): the server ends such
     * a session once it has waited this long inside a transaction for the next statement. 0 leaves the
     * server's idle_in_transaction_session_timeout. Unset: 30s, or three heartbeats if longer.
     */
    private Duration vanishedClientTimeout;

    /**
     * Whether the DataSource reaches PostgreSQL through a transaction pooler (PgBouncer pool_mode=transaction):
     * then AdvisoryLocks.acquireOn, which cannot pin the caller's connection, is refused.
     */
    private boolean transactionPooling;

    /** Namespace of annotation keys that name none. */
    private String keyNamespace = "app";

    private final Guard guard = new Guard();

    private final Fencing fencing = new Fencing();

    private final AdviceOrder adviceOrder = new AdviceOrder();

    /** Whether to auto-configure Lockwarden at all. */
    public boolean isEnabled() {
        return enabled;
    }

    /** Sets {@link #isEnabled()}. */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /** The wait of locks that name none. */
    public Duration getDefaultTimeout() {
        return defaultTimeout;
    }

    /**
     * Sets {@link #getDefaultTimeout()}.
     *
     * @throws IllegalArgumentException when not positive (Spring Boot names the property in its report)
     */
    public void setDefaultTimeout(Duration defaultTimeout) {
        if (defaultTimeout == null || defaultTimeout.isNegative() || defaultTimeout.isZero()) {
            throw new IllegalArgumentException("lockwarden.default-timeout must be positive, got " + defaultTimeout
                    + ": set e.g. lockwarden.default-timeout=10s (use onBusy = SKIP or FAIL not to wait)");
        }
        this.defaultTimeout = defaultTimeout;
    }

    /** How long a lock outlives an instance that stopped answering; zero leaves the server's setting; null: core's default. */
    public Duration getVanishedClientTimeout() {
        return vanishedClientTimeout;
    }

    /**
     * Sets {@link #getVanishedClientTimeout()}.
     *
     * @throws IllegalArgumentException when negative
     */
    public void setVanishedClientTimeout(Duration vanishedClientTimeout) {
        if (vanishedClientTimeout == null || vanishedClientTimeout.isNegative()) {
            throw new IllegalArgumentException("lockwarden.vanished-client-timeout must be 0 (off) or positive, got "
                    + vanishedClientTimeout + ": set e.g. lockwarden.vanished-client-timeout=30s");
        }
        this.vanishedClientTimeout = vanishedClientTimeout;
    }

    /** Whether the DataSource reaches PostgreSQL through a transaction pooler. */
    public boolean isTransactionPooling() {
        return transactionPooling;
    }

    /** Sets {@link #isTransactionPooling()}. */
    public void setTransactionPooling(boolean transactionPooling) {
        this.transactionPooling = transactionPooling;
    }

    /** The heartbeat interval of leader locks. */
    public Duration getHeartbeat() {
        return heartbeat;
    }

    /**
     * Sets {@link #getHeartbeat()}.
     *
     * @throws IllegalArgumentException when shorter than 2 ms
     */
    public void setHeartbeat(Duration heartbeat) {
        if (heartbeat == null || heartbeat.toMillis() < 2) {
            throw new IllegalArgumentException("lockwarden.heartbeat must be at least 2ms, got " + heartbeat
                    + ": set e.g. lockwarden.heartbeat=5s");
        }
        this.heartbeat = heartbeat;
    }

    /** The namespace of annotation keys that name none. */
    public String getKeyNamespace() {
        return keyNamespace;
    }

    /** Sets {@link #getKeyNamespace()}. */
    public void setKeyNamespace(String keyNamespace) {
        this.keyNamespace = keyNamespace;
    }

    /** The pool-return guard settings. */
    public Guard getGuard() {
        return guard;
    }

    /** The fencing-token settings. */
    public Fencing getFencing() {
        return fencing;
    }

    /** The explicit interceptor orders. */
    public AdviceOrder getAdviceOrder() {
        return adviceOrder;
    }

    /** {@code lockwarden.guard.*}: the pool-return guard. */
    public static class Guard {
        /** Whether the AdvisoryLocks bean borrows connections through AdvisoryLocks.guard(dataSource), which releases and reports session locks still held when a connection goes back to the pool. */
        private boolean enabled = true;

        /** Whether the guard is on. */
        public boolean isEnabled() {
            return enabled;
        }

        /** Sets {@link #isEnabled()}. */
        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }
    }

    /** {@code lockwarden.fencing.*}: fencing tokens for session and leader locks. */
    public static class Fencing {
        /** Whether session and leader locks get a fencing token from the fencing table (created on first use). */
        private boolean enabled = false;

        /** The fencing table, 'table' or 'schema.table'. */
        private String table = AdvisoryLocks.DEFAULT_FENCING_TABLE;

        /** Whether fencing tokens are on. */
        public boolean isEnabled() {
            return enabled;
        }

        /** Sets {@link #isEnabled()}. */
        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        /** The fencing table. */
        public String getTable() {
            return table;
        }

        /** Sets {@link #getTable()}. */
        public void setTable(String table) {
            this.table = table;
        }
    }

    /**
     * {@code lockwarden.advice-order.*}: where the interceptors sit relative to Spring's transaction
     * advisor. Unset (the default), session-scope and singleton locks run just outside it and
     * transaction-scope locks just inside it; set them only to place other aspects in between.
     */
    public static class AdviceOrder {
        /** Order of the SESSION-scope @AdvisoryLock interceptor; must be lower (outer) than the transaction advisor's. */
        private Integer session;

        /** Order of the TRANSACTION-scope @AdvisoryLock interceptor; must be higher (inner) than the transaction advisor's. */
        private Integer transaction;

        /** The session-scope order, or null for the default. */
        public Integer getSession() {
            return session;
        }

        /** Sets {@link #getSession()}. */
        public void setSession(Integer session) {
            this.session = session;
        }

        /** The transaction-scope order, or null for the default. */
        public Integer getTransaction() {
            return transaction;
        }

        /** Sets {@link #getTransaction()}. */
        public void setTransaction(Integer transaction) {
            this.transaction = transaction;
        }
    }
}
