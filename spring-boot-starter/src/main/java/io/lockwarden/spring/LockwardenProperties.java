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

    /** Heartbeat interval of leader locks (ScheduledSingleton): a lost lock is noticed, and the run interrupted, within this time. */
    private Duration heartbeat = AdvisoryLocks.DEFAULT_HEARTBEAT;

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

    /** Sets {@link #getDefaultTimeout()}. */
    public void setDefaultTimeout(Duration defaultTimeout) {
        this.defaultTimeout = defaultTimeout;
    }

    /** The heartbeat interval of leader locks. */
    public Duration getHeartbeat() {
        return heartbeat;
    }

    /** Sets {@link #getHeartbeat()}. */
    public void setHeartbeat(Duration heartbeat) {
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
