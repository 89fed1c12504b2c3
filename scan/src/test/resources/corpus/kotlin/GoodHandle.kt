package corpus

import java.sql.Connection

/** A handle: acquire() locks, close() unlocks; callers write AdvisoryHandle.acquire(c, k).use { ... }. */
class AdvisoryHandle private constructor(private val connection: Connection, private val key: Long) : AutoCloseable {
    companion object {
        fun acquire(connection: Connection, key: Long): AdvisoryHandle {
            connection.createStatement().use { st ->
                st.execute("SET lock_timeout = '5s'")
                st.executeQuery("SELECT pg_advisory_lock($key)").close()
            }
            return AdvisoryHandle(connection, key)
        }
    }

    override fun close() {
        connection.createStatement().use { st ->
            st.executeQuery("SELECT pg_advisory_unlock($key)").use { rs ->
                check(rs.next() && rs.getBoolean(1)) { "advisory lock $key was not held" }
            }
        }
    }
}
