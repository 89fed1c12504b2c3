package io.lockwarden;

import java.time.Duration;

/**
 * What happened to one lock, as handed to a {@link LockListener}.
 *
 * @param key    the lock
 * @param scope  transaction, session or leader
 * @param mode   exclusive or shared
 * @param pid    the server backend pid holding (or trying to take) the lock; 0 when not known
 * @param waited how long the acquisition waited (zero for events after acquisition)
 * @param held   how long the lock was held (zero for events before or at acquisition)
 */
public record LockEvent(LockKey key, LockScope scope, LockMode mode, int pid, Duration waited, Duration held) {
}
