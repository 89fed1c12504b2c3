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
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rows of the snapshot's one {@code pg_locks} scan (see {@link SnapshotQuery}), kept in primitive arrays
 * while the result set streams in, because the database names they refer to arrive in a later result. Then
 * turned into {@link AdvisoryLockRow}s and {@link PreparedTransaction}s. Not thread-safe: one per read.
 */
final class LockRows {
    private static final int KIND_SESSION = 0;
    private static final int KIND_OTHER = 2;
    private static final int KIND_PREPARED = 4;
    private static final int KIND_PREPARED_XID = 5;

    private int size;
    private int[] pids = new int[1024];
    private long[] classids = new long[1024];
    private long[] objids = new long[1024];
    private int[] subids = new int[1024];
    private long[] dbs = new long[1024];
    private final BitSet shared = new BitSet();
    private final BitSet granted = new BitSet();
    private final BitSet sessionPids = new BitSet();
    private final Map<Integer, Instant> waitStarts = new HashMap<>();
    private final List<long[]> preparedRows = new ArrayList<>();
    private final List<String> preparedVts = new ArrayList<>();
    private final Map<String, String> xidByVt = new HashMap<>();
    private long tableEntries;

    /** Takes the current row of the locks result set. @throws SQLException when a column cannot be read */
    void add(ResultSet rs) throws SQLException {
        tableEntries++;
        int kind = rs.getInt(1);
        switch (kind) {
            case KIND_SESSION -> {
                if (size == pids.length) {
                    grow();
                }
                int pid = rs.getInt(2);
                pids[size] = pid;
                sessionPids.set(pid);
                classids[size] = rs.getLong(3);
                objids[size] = rs.getLong(4);
                subids[size] = rs.getInt(5);
                shared.set(size, rs.getBoolean(6));
                boolean isGranted = rs.getBoolean(7);
                granted.set(size, isGranted);
                dbs[size] = rs.getLong(8);
                if (!isGranted) {
                    String wait = rs.getString(9);
                    if (wait != null) {
                        waitStarts.put(size, instant(wait));
                    }
                }
                size++;
            }
            case KIND_PREPARED -> {
                preparedRows.add(new long[] {rs.getLong(3), rs.getLong(4), rs.getInt(5), rs.getBoolean(6) ? 1 : 0,
                    rs.getBoolean(7) ? 1 : 0, rs.getLong(8)});
                preparedVts.add(rs.getString(10));
            }
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
    List<AdvisoryLockRow> sessionLocks(KeyDecoder decoder, Map<Long, String> databases) {
        List<AdvisoryLockRow> out = new ArrayList<>(size);
        DatabaseNames names = new DatabaseNames(databases);
        for (int i = 0; i < size; i++) {
            out.add(row(decoder, pids[i], classids[i], objids[i], subids[i], shared.get(i), granted.get(i),
                    names.of(dbs[i]), waitStarts.get(i)));
        }
        return out;
    }

    /**
     * The prepared transactions that hold or wait for advisory locks, in {@code pg_locks} order.
     *
     * @param preparedByXid {@code pg_prepared_xacts} rows (gid, owner, database, prepared, transaction) by xid
     */
    List<PreparedTransaction> preparedTransactions(KeyDecoder decoder, Map<Long, String> databases,
                                                   Map<String, String[]> preparedByXid) {
        Map<String, String[]> infoByGid = new LinkedHashMap<>();
        Map<String, List<AdvisoryLockRow>> locksByGid = new LinkedHashMap<>();
        DatabaseNames names = new DatabaseNames(databases);
        for (int i = 0; i < preparedRows.size(); i++) {
            String[] info = preparedByXid.get(xidByVt.get(preparedVts.get(i)));
            if (info == null) {
                continue; // committed or rolled back between the two reads
            }
            long[] r = preparedRows.get(i);
            infoByGid.putIfAbsent(info[0], info);
            locksByGid.computeIfAbsent(info[0], g -> new ArrayList<>()).add(row(decoder, 0, r[0], r[1], (int) r[2],
                    r[3] == 1, r[4] == 1, names.of(r[5]), null));
        }
        List<PreparedTransaction> out = new ArrayList<>();
        infoByGid.forEach((gid, info) -> out.add(new PreparedTransaction(gid, info[1], info[2], instant(info[3]),
                info[4], locksByGid.get(gid))));
        return out;
    }

    private static AdvisoryLockRow row(KeyDecoder decoder, int pid, long classid, long objid, int subid,
                                       boolean isShared, boolean isGranted, String database, Instant waitStart) {
        LockKey key = LockKey.fromPgLocks(classid, objid, subid);
        return new AdvisoryLockRow(pid, decoder.name(key), decoder.namespaceOf(key),
                isShared ? "ShareLock" : "ExclusiveLock", isGranted, database, waitStart);
    }

    private void grow() {
        int n = pids.length * 2;
        pids = Arrays.copyOf(pids, n);
        classids = Arrays.copyOf(classids, n);
        objids = Arrays.copyOf(objids, n);
        subids = Arrays.copyOf(subids, n);
        dbs = Arrays.copyOf(dbs, n);
    }

    static Instant instant(String iso) {
        return iso == null ? null : OffsetDateTime.parse(iso).toInstant();
    }

    /** Database names by oid, remembering the last one: rows of one database come in long runs. */
    private static final class DatabaseNames {
        private final Map<Long, String> byOid;
        private long lastOid = -1;
        private String lastName;

        DatabaseNames(Map<Long, String> byOid) {
            this.byOid = byOid;
        }

        String of(long oid) {
            if (oid != lastOid) {
                lastOid = oid;
                lastName = byOid.get(oid);
            }
            return lastName;
        }
    }
}
