package io.lockwarden.inspect;

import io.lockwarden.LockKey;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One advisory lock row of {@code pg_locks}: a session ({@code pid}) holding ({@code granted}) or
 * waiting for ({@code !granted}) a key.
 *
 * @param pid       backend pid of the holding or waiting session
 * @param key       the decoded key (bigint or pair form); named when the full name was registered
 *                  with {@link Inspector.Builder#knownKey(LockKey)}
 * @param namespace the namespace whose hash matches the key's first int, when one of the namespaces
 *                  given to {@link Inspector.Builder#namespace(String)} matches; else {@code null}
 * @param mode      {@code ExclusiveLock} or {@code ShareLock}
 * @param granted   true when held, false when waiting
 * @param database  name of the database the lock lives in (advisory locks are per database), or
 *                  {@code null} when the database is unknown
 * @param waitStart {@code pg_locks.waitstart}: when a waiting row started to wait (PostgreSQL 14+); {@code null}
 *                  for held rows and while the server has not yet recorded it
 */
public record AdvisoryLockRow(int pid, LockKey key, String namespace, String mode, boolean granted, String database,
                              Instant waitStart) {

    /** A row without a wait start (held rows, or where it is not known). */
    public AdvisoryLockRow(int pid, LockKey key, String namespace, String mode, boolean granted, String database) {
        this(pid, key, namespace, mode, granted, database, null);
    }

    /** Validates the row. @throws NullPointerException when key or mode is null */
    public AdvisoryLockRow {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(mode, "mode");
    }

    /** True for {@code ShareLock} (taken by the {@code _shared} functions). */
    public boolean shared() {
        return "ShareLock".equals(mode);
    }

    /**
     * A human label: the key's own label when it is named, {@code namespace/#<second int>} when only its
     * namespace is known, else the raw key ({@code 42} or {@code (1,2)}).
     */
    public String label() {
        if (key.name().isPresent() || namespace == null) {
            return key.label();
        }
        return namespace + "/#" + key.key2();
    }

    /**
     * The label of {@code key} as the first of {@code rows} holding or awaiting it shows it (a row knows the key's
     * namespace); the key's own label when no row has it. Never fails.
     */
    public static String label(List<AdvisoryLockRow> rows, LockKey key) {
        for (AdvisoryLockRow r : rows) {
            if (r.key().equals(key)) {
                return r.label();
            }
        }
        return key.label();
    }
}
