package io.lockwarden;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;
import java.util.Optional;

/**
 * The key of a PostgreSQL advisory lock, in one of the server's two forms, which never conflict with
 * each other:
 * <ul>
 *   <li>{@link Form#BIGINT}: one 64-bit key, {@code pg_advisory_lock(bigint)}; in {@code pg_locks}
 *       {@code objsubid = 1}, {@code classid} = high 32 bits, {@code objid} = low 32 bits (both unsigned).</li>
 *   <li>{@link Form#PAIR}: two 32-bit keys, {@code pg_advisory_lock(int4, int4)}; in {@code pg_locks}
 *       {@code objsubid = 2}, {@code classid} = first key, {@code objid} = second key (as unsigned oids).</li>
 * </ul>
 *
 * <p>{@link #named(String, String)} maps a namespace and a name to the pair form with a stable,
 * documented hash ({@link #hash(String)}), so that applications stop picking random integers that
 * collide with other applications. The same key in SQL:
 * <pre>{@code
 * -- lockwarden_hash(text) = first 4 bytes of SHA-256 of the UTF-8 text, as a signed big-endian int4
 * SELECT ('x' || substr(encode(sha256(convert_to('orders', 'UTF8')), 'hex'), 1, 8))::bit(32)::int4;
 * SELECT pg_advisory_lock(lockwarden_hash('orders'), lockwarden_hash('invoice-42'));
 * }</pre>
 *
 * <p>Keys are equal when they lock the same thing on the server: a named key equals the plain pair
 * key with the same two ints (the name is only a label). Immutable and thread-safe.
 */
public final class LockKey implements Comparable<LockKey> {

    /** The two key forms of PostgreSQL advisory locks. */
    public enum Form {
        /** One bigint key ({@code objsubid = 1}). */
        BIGINT,
        /** Two int4 keys ({@code objsubid = 2}). */
        PAIR
    }

    /** SQL expression computing {@link #hash(String)} of the text parameter {@code $1} on the server. */
    public static final String HASH_SQL =
            "('x' || substr(encode(sha256(convert_to($1, 'UTF8')), 'hex'), 1, 8))::bit(32)::int4";

    private final Form form;
    private final long bigint;
    private final int key1;
    private final int key2;
    private final String namespace;
    private final String name;

    private LockKey(Form form, long bigint, int key1, int key2, String namespace, String name) {
        this.form = form;
        this.bigint = bigint;
        this.key1 = key1;
        this.key2 = key2;
        this.namespace = namespace;
        this.name = name;
    }

    /** A one-bigint key, as used by {@code pg_advisory_lock(bigint)}. Never fails. */
    public static LockKey of(long key) {
        return new LockKey(Form.BIGINT, key, (int) (key >>> 32), (int) key, null, null);
    }

    /** A two-int key, as used by {@code pg_advisory_lock(int4, int4)}. Never fails. */
    public static LockKey of(int key1, int key2) {
        return new LockKey(Form.PAIR, ((long) key1 << 32) | (key2 & 0xFFFFFFFFL), key1, key2, null, null);
    }

    /**
     * A named key: the pair ({@code hash(namespace)}, {@code hash(name)}).
     *
     * @param namespace the application or subsystem owning the lock, e.g. {@code "billing"}; not blank
     * @param name      what is locked, e.g. {@code "invoice-42"}; not empty
     * @throws IllegalArgumentException when either is null, or the namespace is blank, or the name empty
     */
    public static LockKey named(String namespace, String name) {
        if (namespace == null || namespace.isBlank()) {
            throw new IllegalArgumentException("lock namespace must not be null or blank: name the application "
                    + "or subsystem that owns the lock, e.g. LockKey.named(\"billing\", \"invoice-42\")");
        }
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("lock name must not be null or empty (namespace '" + namespace
                    + "'): name what the lock protects, e.g. LockKey.named(\"" + namespace + "\", \"invoice-42\")");
        }
        return new LockKey(Form.PAIR, 0, hash(namespace), hash(name), namespace, name).withBigint();
    }

    /**
     * Rebuilds a key from the {@code classid}, {@code objid} and {@code objsubid} columns of a
     * {@code pg_locks} row whose {@code locktype = 'advisory'}.
     *
     * @throws IllegalArgumentException when objsubid is neither 1 nor 2, or an oid is out of range
     */
    public static LockKey fromPgLocks(long classid, long objid, int objsubid) {
        if (classid < 0 || classid > 0xFFFFFFFFL || objid < 0 || objid > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("pg_locks classid/objid must be unsigned 32-bit oids, got classid="
                    + classid + " objid=" + objid);
        }
        return switch (objsubid) {
            case 1 -> of((classid << 32) | objid);
            case 2 -> of((int) classid, (int) objid);
            default -> throw new IllegalArgumentException("advisory lock objsubid must be 1 (bigint key) or 2 "
                    + "(two int4 keys), got " + objsubid);
        };
    }

    /**
     * The documented 32-bit hash of named keys: the first four bytes of the SHA-256 digest of the
     * UTF-8 encoding of {@code text}, read as a big-endian signed int. Stable across versions and
     * reproducible in SQL ({@link #HASH_SQL}) and in any language.
     *
     * @throws NullPointerException when text is null
     */
    public static int hash(String text) {
        Objects.requireNonNull(text, "text");
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return ((d[0] & 0xFF) << 24) | ((d[1] & 0xFF) << 16) | ((d[2] & 0xFF) << 8) | (d[3] & 0xFF);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    /** Returns this key labelled with a namespace and name, when its ints match their hashes; else this key. */
    public LockKey labelledIfMatches(String namespace, String name) {
        if (form == Form.PAIR && key1 == hash(namespace) && key2 == hash(name)) {
            return new LockKey(form, bigint, key1, key2, namespace, name);
        }
        return this;
    }

    private LockKey withBigint() {
        return new LockKey(form, ((long) key1 << 32) | (key2 & 0xFFFFFFFFL), key1, key2, namespace, name);
    }

    /** Which of the two forms this key has. */
    public Form form() {
        return form;
    }

    /** The bigint key; for a pair key, the two ints packed high/low (informational only). */
    public long bigint() {
        return bigint;
    }

    /** The first int key of a pair key; for a bigint key, its high 32 bits. */
    public int key1() {
        return key1;
    }

    /** The second int key of a pair key; for a bigint key, its low 32 bits. */
    public int key2() {
        return key2;
    }

    /** The namespace of a named key, when known. */
    public Optional<String> namespace() {
        return Optional.ofNullable(namespace);
    }

    /** The name of a named key, when known. */
    public Optional<String> name() {
        return Optional.ofNullable(name);
    }

    /** {@code pg_locks.classid} of this key (an unsigned 32-bit value). */
    public long classid() {
        return key1 & 0xFFFFFFFFL;
    }

    /** {@code pg_locks.objid} of this key (an unsigned 32-bit value). */
    public long objid() {
        return key2 & 0xFFFFFFFFL;
    }

    /** {@code pg_locks.objsubid} of this key: 1 for bigint, 2 for pair. */
    public int objsubid() {
        return form == Form.BIGINT ? 1 : 2;
    }

    /** The argument list of the SQL lock functions for this key, e.g. {@code "42"} or {@code "1, 2"}. */
    public String sqlArguments() {
        return form == Form.BIGINT ? Long.toString(bigint) : key1 + ", " + key2;
    }

    /** A short label: {@code billing/invoice-42}, {@code 42} or {@code (1,2)}. */
    public String label() {
        if (name != null) {
            return namespace + "/" + name;
        }
        return form == Form.BIGINT ? Long.toString(bigint) : "(" + key1 + "," + key2 + ")";
    }

    /** Orders bigint keys before pair keys, then numerically: the order multi-key locking takes. */
    @Override
    public int compareTo(LockKey other) {
        int byForm = form.compareTo(other.form);
        if (byForm != 0) {
            return byForm;
        }
        return form == Form.BIGINT ? Long.compare(bigint, other.bigint)
                : key1 != other.key1 ? Integer.compare(key1, other.key1) : Integer.compare(key2, other.key2);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LockKey k && k.form == form && k.bigint == bigint;
    }

    @Override
    public int hashCode() {
        return 31 * form.ordinal() + Long.hashCode(bigint); // no boxing: hashed per lock row at every sample
    }

    /** The label and the raw {@code pg_locks} columns, e.g. {@code billing/invoice-42 [classid=…, objid=…, objsubid=2]}. */
    @Override
    public String toString() {
        return label() + " [classid=" + classid() + ", objid=" + objid() + ", objsubid=" + objsubid() + "]";
    }
}
