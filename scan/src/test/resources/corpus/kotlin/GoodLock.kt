package corpus

import java.sql.Connection

class GoodLock(private val connection: Connection) {
    /* nested /* comments */ with pg_advisory_lock(1) are skipped */
    fun rebuild(key: Long) {
        connection.createStatement().use { st ->
            st.execute("SET lock_timeout = '5s'")
            st.executeQuery("SELECT pg_advisory_lock($key)")
            try {
                refresh()
            } finally {
                st.executeQuery("SELECT pg_advisory_unlock($key)").use { rs ->
                    check(rs.next() && rs.getBoolean(1)) { "advisory lock $key was not held" }
                }
            }
        }
    }

    private fun refresh() {}
}
