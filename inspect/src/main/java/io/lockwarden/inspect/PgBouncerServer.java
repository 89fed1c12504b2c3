package io.lockwarden.inspect;

/**
 * One server connection from PgBouncer's {@code SHOW SERVERS}.
 *
 * @param database  the PgBouncer database name
 * @param user      the user of the pool
 * @param state     {@code active}, {@code idle}, {@code used}, {@code tested}, {@code new}, ...
 * @param remotePid the backend pid of this connection on PostgreSQL: the link to {@code pg_locks}
 * @param poolMode  the pool mode of its pool ({@code session}, {@code transaction}, {@code statement}),
 *                  or null when the console did not say
 * @param linked    true when a client is currently linked to it
 */
public record PgBouncerServer(String database, String user, String state, int remotePid, String poolMode,
                              boolean linked) {

    /** True when the pool hands this connection to another client after each transaction or statement. */
    public boolean sharedBetweenClients() {
        return "transaction".equals(poolMode) || "statement".equals(poolMode);
    }
}
