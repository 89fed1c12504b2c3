package io.lockwarden.testkit;

import io.lockwarden.LockKey;

/**
 * One advisory lock held (granted) on the server, with what is known of the session holding it.
 * Immutable.
 *
 * @param pid             backend pid of the holder
 * @param key             the lock key (carrying namespace and name when the scope knows the named key)
 * @param label           how to show the key: {@code namespace/name}, {@code namespace/#int} when only the
 *                        namespace is known, else the plain key
 * @param mode            {@code ExclusiveLock} or {@code ShareLock}
 * @param database        database the lock belongs to
 * @param user            role of the holding session ({@code null} when the session is gone)
 * @param applicationName {@code application_name} of the holding session
 * @param state           {@code pg_stat_activity.state}: {@code idle} means a session-level lock nobody is using
 * @param lastQuery       the last statement the holder ran
 */
public record HeldAdvisoryLock(int pid, LockKey key, String label, String mode, String database, String user,
                               String applicationName, String state, String lastQuery) {

    /** One line describing the lock and its holder, for failure messages. Never contains passwords. */
    public String describe() {
        String query = lastQuery == null ? "" : lastQuery.replaceAll("\\s+", " ").strip();
        if (query.length() > 200) {
            query = query.substring(0, 200) + "…";
        }
        return "key " + label + " [classid=" + key.classid() + ", objid=" + key.objid()
                + ", objsubid=" + key.objsubid() + "] " + mode + " held by pid " + pid
                + " (database " + database + ", user " + user
                + ", application '" + (applicationName == null ? "" : applicationName) + "'"
                + ", state " + state + ", last query: " + query + ")";
    }
}
