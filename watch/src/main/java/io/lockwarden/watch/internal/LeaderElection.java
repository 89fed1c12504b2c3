package io.lockwarden.watch.internal;

import io.lockwarden.AdvisoryLocks;
import io.lockwarden.LeaderLock;
import io.lockwarden.LockKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per target, which replica enforces: the one holding the core {@link LeaderLock} on {@link #KEY} in that
 * database (advisory locks are per database). The lock's heartbeat notices a loss within one heartbeat and
 * {@link #isLeader()} turns false; {@link #ensure()} tries again (once, without waiting) at each sample.
 * When taking the lock fails (the login is refused, the server is a standby that refuses it, the connection
 * breaks), the failure is logged at WARN once per distinct message and the next try waits, doubling from the
 * sampling interval up to 5 minutes: a replica whose login keeps failing must not fill the server's log with
 * one failed login per interval. The watchdog's own leader locks are left out of its reports and are never
 * enforcement candidates. Thread-safe.
 */
public final class LeaderElection implements AutoCloseable {
    /** The leader lock every replica competes for, in each target database. */
    public static final LockKey KEY = LockKey.named("lockwarden", "watch-leader");
    /** {@code application_name} of the leader lock's session. */
    public static final String APPLICATION_NAME = "lockwarden-watch-leader";

    /** The longest wait between two tries after failures. */
    static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

    private static final Logger LOG = LoggerFactory.getLogger(LeaderElection.class);

    private final String target;
    private final AdvisoryLocks locks;
    private final Duration retryBase;
    private final Clock clock;
    private volatile LeaderLock leader;
    private int failures;
    private Instant nextTry = Instant.EPOCH;
    private String lastFailure;

    /** An election over {@code dataSource} (whose application_name should be {@link #APPLICATION_NAME}). */
    public LeaderElection(String target, DataSource dataSource, Duration heartbeat) {
        this(target, dataSource, heartbeat, Duration.ofSeconds(10), Clock.systemUTC());
    }

    /**
     * An election whose failed tries back off from {@code retryBase} (the sampling interval), doubling, up to
     * {@link #MAX_BACKOFF}.
     */
    public LeaderElection(String target, DataSource dataSource, Duration heartbeat, Duration retryBase, Clock clock) {
        this.target = target;
        this.locks = AdvisoryLocks.builder(dataSource).heartbeat(heartbeat).build();
        this.retryBase = retryBase;
        this.clock = clock;
    }

    /**
     * Becomes leader when nobody is; true when this replica leads now. Never throws (a failure means not leader).
     * During a back-off after failed tries it returns false without connecting.
     */
    public synchronized boolean ensure() {
        LeaderLock l = leader;
        if (l != null && l.isHeld()) {
            return true;
        }
        release();
        Instant now = clock.instant();
        if (now.isBefore(nextTry)) {
            return false;
        }
        try {
            Optional<LeaderLock> got = locks.tryHoldLeader(KEY, lost -> LOG.warn("target {}: lost the watchdog leader "
                    + "lock ({}); enforcement stops until it is regained", target, LogText.of(lost.getMessage())));
            got.ifPresent(g -> LOG.info("target {}: this replica is now the enforcing leader (backend pid {})", target,
                    g.pid()));
            if (failures > 0) {
                LOG.info("target {}: taking the leader lock works again (after {} failed tries)", target, failures);
            }
            failures = 0;
            lastFailure = null;
            nextTry = Instant.EPOCH;
            leader = got.orElse(null);
            return leader != null;
        } catch (RuntimeException e) {
            failures++;
            long factor = 1L << Math.min(failures - 1, 20);
            Duration wait = retryBase.multipliedBy(factor);
            wait = wait.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : wait;
            nextTry = now.plus(wait);
            String msg = e.getMessage() == null ? e.getClass().getSimpleName()
                    : e.getMessage().lines().findFirst().orElse("");
            if (!msg.equals(lastFailure)) {
                LOG.warn("target {}: cannot take the watchdog leader lock, so this replica does not enforce: {}; "
                        + "retrying with back-off (up to every {} s)", target, LogText.of(msg), MAX_BACKOFF.toSeconds());
            } else {
                LOG.debug("target {}: leader lock try {} failed again; next in {} ms", target, failures,
                        wait.toMillis());
            }
            lastFailure = msg;
            return false;
        }
    }

    /** Failed tries since the last success (for tests and the log). */
    synchronized int failures() {
        return failures;
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
