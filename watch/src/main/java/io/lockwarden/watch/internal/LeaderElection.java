package io.lockwarden.watch.internal;

import io.lockwarden.AdvisoryLocks;
import io.lockwarden.LeaderLock;
import io.lockwarden.LockKey;
import io.lockwarden.LockwardenException;
import java.time.Duration;
import java.util.Optional;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per target, which replica enforces: the one holding the core {@link LeaderLock} on {@link #KEY} in that
 * database (advisory locks are per database). The lock's heartbeat notices a loss within one heartbeat and
 * {@link #isLeader()} turns false; {@link #ensure()} tries again (once, without waiting) at each sample.
 * The watchdog's own leader locks are left out of its reports and are never enforcement candidates.
 * Thread-safe.
 */
public final class LeaderElection implements AutoCloseable {
    /** The leader lock every replica competes for, in each target database. */
    public static final LockKey KEY = LockKey.named("lockwarden", "watch-leader");
    /** {@code application_name} of the leader lock's session. */
    public static final String APPLICATION_NAME = "lockwarden-watch-leader";

    private static final Logger LOG = LoggerFactory.getLogger(LeaderElection.class);

    private final String target;
    private final AdvisoryLocks locks;
    private volatile LeaderLock leader;

    /** An election over {@code dataSource} (whose application_name should be {@link #APPLICATION_NAME}). */
    public LeaderElection(String target, DataSource dataSource, Duration heartbeat) {
        this.target = target;
        this.locks = AdvisoryLocks.builder(dataSource).heartbeat(heartbeat).build();
    }

    /** Becomes leader when nobody is; true when this replica leads now. Never throws (a failure means not leader). */
    public synchronized boolean ensure() {
        LeaderLock l = leader;
        if (l != null && l.isHeld()) {
            return true;
        }
        release();
        try {
            Optional<LeaderLock> got = locks.tryHoldLeader(KEY, lost -> LOG.warn("target {}: lost the watchdog leader "
                    + "lock ({}); enforcement stops until it is regained", target, lost.getMessage()));
            got.ifPresent(g -> LOG.info("target {}: this replica is now the enforcing leader (backend pid {})", target,
                    g.pid()));
            leader = got.orElse(null);
            return leader != null;
        } catch (LockwardenException e) {
            LOG.debug("target {}: cannot take the leader lock: {}", target, e.getMessage());
            return false;
        }
    }

    /** True when the leader lock is held as of its last heartbeat. No round trip. */
    public boolean isLeader() {
        LeaderLock l = leader;
        return l != null && l.isHeld();
    }

    /** The backend pid holding this replica's leader lock, or -1. */
    public int pid() {
        LeaderLock l = leader;
        return l == null ? -1 : l.pid();
    }

    /** Steps down. Idempotent; never throws. */
    public synchronized void release() {
        LeaderLock l = leader;
        leader = null;
        if (l != null) {
            try {
                l.close();
            } catch (RuntimeException e) {
                LOG.debug("target {}: releasing the leader lock: {}", target, e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        release();
    }
}
