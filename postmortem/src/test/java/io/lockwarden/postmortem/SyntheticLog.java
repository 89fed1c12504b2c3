package io.lockwarden.postmortem;

import java.util.Random;

/**
 * Writes stderr log text as a PostgreSQL server does with {@code log_line_prefix = '%m [%p] %q%u@%d '}: ordinary
 * traffic (statements, durations, connections, checkpoints, multi-line statements) with lock waits and their
 * DETAIL and STATEMENT lines, acquisitions, lock timeouts, terminations, deadlocks and a full lock table among it.
 */
final class SyntheticLog {
    private static final java.time.format.DateTimeFormatter STAMP =
            java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    private final Random rnd;
    private final StringBuilder out = new StringBuilder();
    private final String eol;
    private long millis = 1_764_579_600_000L;

    SyntheticLog(long seed, String eol) {
        this.rnd = new Random(seed);
        this.eol = eol;
    }

    String text() {
        return out.toString();
    }

    int length() {
        return out.length();
    }

    private String head(int pid, boolean session) {
        millis += rnd.nextInt(40);
        java.time.LocalDateTime t = java.time.LocalDateTime.ofEpochSecond(millis / 1000, 0, java.time.ZoneOffset.UTC);
        return String.format("%s.%03d UTC [%d] %s", STAMP.format(t), millis % 1000, pid, session ? "app@shop " : "");
    }

    private void line(String s) {
        out.append(s).append(eol);
    }

    /** Ordinary entries, none about locks. */
    SyntheticLog traffic(int entries) {
        for (int i = 0; i < entries; i++) {
            int pid = 1000 + rnd.nextInt(50);
            switch (rnd.nextInt(8)) {
                case 0 -> line(head(pid, true) + "LOG:  duration: " + rnd.nextInt(900) + "." + rnd.nextInt(999)
                        + " ms  statement: SELECT * FROM orders WHERE id = " + rnd.nextInt(100000));
                case 1 -> {
                    line(head(pid, true) + "LOG:  statement: UPDATE stock");
                    line("\tSET qty = qty - 1");
                    line("\tWHERE sku = 'process 12 still waiting for ExclusiveLock' -- not a lock line");
                }
                case 2 -> line(head(pid, false) + "LOG:  connection received: host=10.0.0." + rnd.nextInt(255)
                        + " port=" + (30000 + rnd.nextInt(30000)));
                case 3 -> line(head(pid, false) + "LOG:  checkpoint complete: wrote " + rnd.nextInt(999)
                        + " buffers (0.1%); 0 WAL file(s) added");
                case 4 -> {
                    line(head(pid, true) + "ERROR:  duplicate key value violates unique constraint \"orders_pkey\"");
                    line(head(pid, true) + "DETAIL:  Key (id)=(" + rnd.nextInt(9999) + ") already exists.");
                    line(head(pid, true) + "STATEMENT:  INSERT INTO orders VALUES (1)");
                }
                case 5 -> line(head(pid, true) + "LOG:  disconnection: session time: 0:00:0" + rnd.nextInt(9)
                        + ".123 user=app database=shop host=10.0.0.1 port=5555");
                case 6 -> line(head(pid, true) + "WARNING:  there is no transaction in progress");
                default -> line(head(pid, true) + "LOG:  execute <unnamed>: SELECT pg_sleep(0)");
            }
        }
        return this;
    }

    /** A wait, its holders, and how it ended; returns this. */
    SyntheticLog incident(int holder, int waiter, long key, int extraStatementLines) {
        line(head(waiter, true) + "LOG:  process " + waiter + " still waiting for ExclusiveLock on advisory lock "
                + "[5,0," + key + ",1] after 1000.123 ms");
        line(head(waiter, true) + "DETAIL:  Process holding the lock: " + holder + ". Wait queue: " + waiter + ".");
        line(head(waiter, true) + "STATEMENT:  SELECT pg_advisory_lock(" + key + ")");
        for (int i = 0; i < extraStatementLines; i++) {
            line("\t-- continuation " + i);
        }
        switch (rnd.nextInt(3)) {
            case 0 -> line(head(waiter, true) + "LOG:  process " + waiter + " acquired ExclusiveLock on advisory lock "
                    + "[5,0," + key + ",1] after 2000.5 ms");
            case 1 -> {
                line(head(waiter, true) + "ERROR:  canceling statement due to lock timeout");
                line(head(waiter, true) + "STATEMENT:  SELECT pg_advisory_lock(" + key + ")");
            }
            default -> {
                line(head(holder, true) + "FATAL:  terminating connection due to administrator command");
                line(head(waiter, true) + "LOG:  process " + waiter + " acquired ExclusiveLock on advisory lock "
                        + "[5,0," + key + ",1] after 2500.0 ms");
            }
        }
        return this;
    }

    /** A deadlock between two sessions, the cycle on DETAIL and tab-continued lines. */
    SyntheticLog deadlock(int a, int b) {
        line(head(a, true) + "ERROR:  deadlock detected");
        line(head(a, true) + "DETAIL:  Process " + a + " waits for ExclusiveLock on advisory lock [5,0,3001,1]; "
                + "blocked by process " + b + ".");
        line("\tProcess " + b + " waits for ExclusiveLock on advisory lock [5,0,3002,1]; blocked by process " + a + ".");
        line("\tProcess " + a + ": SELECT pg_advisory_lock(3001)");
        line(head(a, true) + "HINT:  See server log for query details.");
        line(head(a, true) + "STATEMENT:  SELECT pg_advisory_lock(3001)");
        line(head(a, true) + "ERROR:  out of shared memory");
        line(head(a, true) + "HINT:  You might need to increase \"max_locks_per_transaction\".");
        line(head(a, true) + "STATEMENT:  SELECT pg_advisory_lock(9)");
        return this;
    }

    /** Anything else: a raw line. */
    SyntheticLog raw(String s) {
        line(s);
        return this;
    }
}
