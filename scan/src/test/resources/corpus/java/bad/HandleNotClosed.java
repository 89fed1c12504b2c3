package corpus.bad;

import io.lockwarden.AdvisoryLocks;
import io.lockwarden.LockKey;
import io.lockwarden.SessionLock;
import java.util.Optional;

public class HandleNotClosed {
    private final AdvisoryLocks locks;

    HandleNotClosed(AdvisoryLocks locks) {
        this.locks = locks;
    }

    void runNightly() {
        SessionLock lock = locks.acquire(LockKey.named("jobs", "nightly")); // expect: LW108
        doWork();
        lock.close();
    }

    boolean runIfFree(java.sql.Connection c) {
        return locks.tryAcquireOn(c, LockKey.named("jobs", "hourly")).map(lock -> { // expect: LW108
            doWork();
            return true;
        }).orElse(false);
    }

    void runWaitingOrNot(boolean wait) {
        Optional<SessionLock> lock = wait ? Optional.of(locks.acquire(LockKey.named("jobs", "either"))) // expect: LW108
                : locks.tryAcquire(LockKey.named("jobs", "either")); // expect: LW108
        if (lock.isPresent()) {
            doWork();
            lock.get().close();
        }
    }

    private void doWork() {
    }
}
