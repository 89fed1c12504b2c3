package io.lockwarden.postmortem.internal;

import io.lockwarden.postmortem.LogEntry;

/**
 * Where a reader puts what it read. A reader that assembles every entry passes each to {@link #entry}; the fast
 * stderr scanner assembles only the entries that may be lock events ({@link #lockCandidate}) and reports what
 * the others showed through {@link #seen}. Not thread-safe: called from one thread, in log order.
 */
public interface EntrySink {
    /** Any entry, fully assembled. */
    void entry(LogEntry e);

    /** An entry whose message may be a lock event; it was already counted through {@link #seen}. */
    void lockCandidate(LogEntry e);

    /**
     * Entries were read (and are not passed here one by one): whether any had a time, a sub-second time, a pid,
     * a database.
     */
    void seen(long entries, boolean time, boolean subsecond, boolean pid, boolean database);
}
