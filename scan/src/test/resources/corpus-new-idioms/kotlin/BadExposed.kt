package jobs

import org.jetbrains.exposed.sql.transactions.transaction

// Each Exposed transaction {} block borrows its own pooled connection: lock and unlock miss each other.
fun rebuild(key: Long) {
    transaction {
        exec("SET LOCAL lock_timeout = '5s'")
        exec("SELECT pg_advisory_lock($key)") // expect: LW102
    }
    try {
        refresh()
    } finally {
        transaction {
            exec("SELECT pg_advisory_unlock($key)") // expect: LW109
        }
    }
}

fun refresh() {}
