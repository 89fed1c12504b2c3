package corpus.bad;

/** SQL kept in one place; the using class never spells the function name. */
public final class LockQueries {
    public static final String LOCK = "SELECT pg_advisory_lock(?)";

    private LockQueries() {
    }
}
