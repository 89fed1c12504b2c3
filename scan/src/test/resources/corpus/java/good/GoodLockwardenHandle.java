package corpus.good;

import io.lockwarden.AdvisoryLocks;
import io.lockwarden.LockKey;
import io.lockwarden.SessionLock;
import java.util.Optional;

public class GoodLockwardenHandle {
    private final AdvisoryLocks locks;

    GoodLockwardenHandle(AdvisoryLocks locks) {
        this.locks = locks;
    }

    void runNightly() {
        try (SessionLock lock = locks.acquire(LockKey.named("jobs", "nightly"))) {
            doWork();
        }
    }

    boolean runIfFree() {
        Optional<SessionLock> maybe = locks.tryAcquire(LockKey.named("jobs", "hourly"));
        if (maybe.isEmpty()) {
            return false;
        }
        try (SessionLock lock = maybe.get()) {
            doWork();
        }
        return true;
    }

    /** The Spring interceptor's shape: a waited-for or tried handle in one Optional, unwrapped into the try. */
    boolean runWaitingOrNot(boolean wait) {
        Optional<SessionLock> lock = wait ? Optional.of(locks.acquire(LockKey.named("jobs", "either")))
                : locks.tryAcquire(LockKey.named("jobs", "either"));
        if (lock.isEmpty()) {
            return false;
        }
        try (SessionLock held = lock.get()) {
            doWork();
        }
        return true;
    }

    void runWrapped() {
        Optional<SessionLock> lock = Optional.ofNullable(locks.acquire(LockKey.named("jobs", "wrapped")));
        try (SessionLock held = lock.orElseThrow()) {
            doWork();
        }
    }

    Optional<SessionLock> acquireEitherForCaller(boolean wait) {
        return wait ? Optional.of(locks.acquire(LockKey.named("jobs", "either")))
                : locks.tryAcquire(LockKey.named("jobs", "either"));
    }

    SessionLock acquireForCaller() {
        return locks.acquire(LockKey.named("jobs", "caller-owned"));
    }

    java.util.function.Supplier<SessionLock> lazily() {
        return () -> locks.acquire(LockKey.named("jobs", "lazy"));
    }

    void probe() {
        locks.acquire(LockKey.named("jobs", "probe")).close();
        locks.tryAcquire(LockKey.named("jobs", "maybe")).ifPresent(lock -> {
            try (lock) {
                doWork();
            }
        });
    }

    int kind(Object o) {
        return switch (o.hashCode() % 3) {
            case 0 -> 1;
            default -> {
                int k = o.toString().length();
                yield k;
            }
        };
    }

    private void doWork() {
    }
}
