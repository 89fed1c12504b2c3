package io.lockwarden.postmortem;

import io.lockwarden.LockKey;
import java.util.Objects;

/**
 * An advisory lock as the log names it: the tag {@code [db,classid,objid,objsubid]} decoded to a {@link LockKey}.
 *
 * @param key         the key, in its bigint ({@code objsubid 1}) or two-int4 ({@code objsubid 2}) form; named when
 *                    its full name was given
 * @param databaseOid the tag's database oid, or -1 when only a statement named the key
 * @param database    the database name seen on the entries of this key, or null
 * @param namespace   the namespace whose hash is the key's first int, when given with {@code --namespace}; else null
 * @param label       what reports show: {@code billing/invoice-42}, {@code billing/#1234}, {@code 1002} or {@code (1,2)}
 */
public record AdvisoryKey(LockKey key, long databaseOid, String database, String namespace, String label) {
    /** Validates the parts. */
    public AdvisoryKey {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(label, "label");
    }

    /** The tag as PostgreSQL logs it, e.g. {@code [16384,0,1002,1]}. */
    public String tag() {
        return "[" + (databaseOid < 0 ? "?" : Long.toString(databaseOid)) + "," + key.classid() + "," + key.objid()
                + "," + key.objsubid() + "]";
    }

    /** {@code bigint} or {@code pair}. */
    public String form() {
        return key.form() == LockKey.Form.BIGINT ? "bigint" : "pair";
    }
}
