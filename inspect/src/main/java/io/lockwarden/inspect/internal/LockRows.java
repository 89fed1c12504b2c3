package io.lockwarden.inspect.internal;

import io.lockwarden.LockKey;
import io.lockwarden.inspect.AdvisoryLockRow;
import io.lockwarden.inspect.KeyDecoder;
import io.lockwarden.inspect.PreparedTransaction;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rows of the snapshot's one {@code pg_locks} scan (see {@link SnapshotQuery}), turned into
 * {@link AdvisoryLockRow}s as they are read; the advisory locks of prepared transactions wait for
 * {@code pg_prepared_xacts}, which is read later. Not thread-safe: one per read.
 */
final class LockRows {
    private static final int KIND_SESSION = 0;
    private static final int KIND_OTHER = 2;
    private static final int KIND_PREPARED = 4;
    private static final int KIND_PREPARED_XID = 5;

    /** An advisory lock of a prepared transaction, and the virtual transaction that links it to its xid. */
    private record PreparedRow(AdvisoryLockRow row, String virtualTransaction) {
    }

    private final KeyDecoder decoder;
    private final Map<Long, String> databases;
    private final List<AdvisoryLockRow> sessionLocks = new ArrayList<>();
    private final BitSet sessionPids = new BitSet();
    private final List<PreparedRow> preparedRows = new ArrayList<>();
    private final Map<String, String> xidByVt = new HashMap<>();
    private long tableEntries;
    private long lastOid = -1;
    private String lastDatabase;

    /** Rows decoded with {@code decoder}, their database oids named from {@code databases}. */
    LockRows(KeyDecoder decoder, Map<Long, String> databases) {
        this.decoder = decoder;
        this.databases = databases;
    }

    /** Takes the current row of the locks result set. @throws SQLException when a column cannot be read */
    void add(ResultSet rs) throws SQLException {
        tableEntries++;
        int kind = rs.getInt(1);
        switch (kind) {
            case KIND_SESSION -> {
                int pid = rs.getInt(2);
                sessionPids.set(pid);
                boolean granted = rs.getBoolean(7);
                String wait = granted ? null : rs.getString(9);
                sessionLocks.add(row(rs, pid, wait == null ? null : instant(wait)));
            }
            case KIND_PREPARED -> preparedRows.add(new PreparedRow(row(rs, 0, null), rs.getString(10)));
            case KIND_PREPARED_XID -> xidByVt.put(rs.getString(10), rs.getString(11));
            case KIND_OTHER -> {
                // only counted
            }
            default -> throw new IllegalStateException("unexpected lock row kind " + kind);
        }
    }

    /** True when the pid has an advisory lock row. */
    boolean hasPid(int pid) {
        return pid >= 0 && sessionPids.get(pid);
    }

    /** Rows in the shared lock table (every row that is not a fast-path lock). */
    long tableEntries() {
        return tableEntries;
    }

    /** The advisory rows of sessions, in {@code pg_locks} order. */
    List<AdvisoryLockRow> sessionLocks() {
        return sessionLocks;
    }

    /**
     * The prepared transactions that hold or wait for advisory locks, in {@code pg_locks} order.
     *
     * @param preparedByXid {@code pg_prepared_xacts} rows (gid, owner, database, prepared, transaction) by xid
     */
    List<PreparedTransaction> preparedTransactions(Map<String, String[]> preparedByXid) {
        Map<String, String[]> infoByGid = new LinkedHashMap<>();
        Map<String, List<AdvisoryLockRow>> locksByGid = new LinkedHashMap<>();
        for (PreparedRow p : preparedRows) {
            String[] info = preparedByXid.get(xidByVt.get(p.virtualTransaction()));
            if (info == null) {
                continue; // committed or rolled back between the two reads
            }
            infoByGid.putIfAbsent(info[0], info);
            locksByGid.computeIfAbsent(info[0], g -> new ArrayList<>()).add(p.row());
        }
        List<PreparedTransaction> out = new ArrayList<>();
        infoByGid.forEach((gid, info) -> out.add(new PreparedTransaction(gid, info[1], info[2], instant(info[3]),
                info[4], locksByGid.get(gid))));
        return out;
    }

    private AdvisoryLockRow row(ResultSet rs, int pid, Instant waitStart) throws SQLException {
        LockKey key = LockKey.fromPgLocks(rs.getLong(3), rs.getLong(4), rs.getInt(5));
        return new AdvisoryLockRow(pid, decoder.name(key), decoder.namespaceOf(key),
                rs.getBoolean(6) ? "ShareLock" : "ExclusiveLock", rs.getBoolean(7), database(rs.getLong(8)),
                waitStart);
    }

    /** The name of a database oid, remembering the last one: rows of one database come in long runs. */
    private String database(long oid) {
        if (oid != lastOid) {
            lastOid = oid;
            lastDatabase = databases.get(oid);
        }
        return lastDatabase;
    }

    static Instant instant(String iso) {
        return iso == null ? null : OffsetDateTime.parse(iso).toInstant();
    }
}
