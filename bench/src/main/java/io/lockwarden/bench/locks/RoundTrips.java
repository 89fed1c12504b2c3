package io.lockwarden.bench.locks;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Counts client/server round trips of the current thread as pgjdbc's protocol Sync messages (each
 * Sync is answered by one ReadyForQuery), read from pgjdbc's FINEST log. Logging slows the driver, so
 * counting is a separate, untimed pass. Not thread-safe: count from one thread at a time.
 */
final class RoundTrips {
    private static final Logger PGJDBC = Logger.getLogger("org.postgresql");

    private RoundTrips() {
    }

    /** A unit of work that may throw. */
    interface Action {
        void run() throws Exception;
    }

    /** Round trips per run of {@code action}, averaged over {@code times} runs (after one uncounted run). */
    static double per(int times, Action action) throws Exception {
        action.run();
        return count(Thread.currentThread().getId(), () -> {
            for (int i = 0; i < times; i++) {
                action.run();
            }
        }) / (double) times;
    }

    /** Round trips of every thread of this JVM while {@code action} runs (nothing else should be running). */
    static double allThreads(Action action) throws Exception {
        return count(-1, action);
    }

    private static int count(long thread, Action action) throws Exception {
        AtomicInteger syncs = new AtomicInteger();
        Handler counter = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if ((thread < 0 || record.getLongThreadID() == thread) && " FE=> Sync".equals(record.getMessage())) {
                    syncs.incrementAndGet();
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Level previous = PGJDBC.getLevel();
        PGJDBC.setLevel(Level.FINEST);
        PGJDBC.addHandler(counter);
        try {
            action.run();
        } finally {
            PGJDBC.removeHandler(counter);
            PGJDBC.setLevel(previous);
        }
        return syncs.get();
    }
}
