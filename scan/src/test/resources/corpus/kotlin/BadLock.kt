package corpus

import java.sql.Connection

class BadLock(private val connection: Connection) {
    fun rebuild(key: Long) {
        connection.createStatement().use { st ->
            st.execute("SELECT pg_advisory_lock($key)") // expect: LW101, LW104
            refresh()
            st.execute("SELECT pg_advisory_unlock($key)")
        }
    }

    fun cleanup() {
        connection.createStatement().use { st ->
            st.execute("SET lock_timeout = '2s'")
            st.execute("""SELECT pg_try_advisory_xact_lock(6283749105)""") // expect: LW106
        }
    }

    private fun refresh() {}
}
