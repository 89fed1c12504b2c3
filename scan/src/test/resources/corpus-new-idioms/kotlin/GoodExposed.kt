package jobs

import org.jetbrains.exposed.sql.transactions.transaction

// One transaction {} block: the transaction-level lock covers all the work and ends with it.
fun settle(account: Long) {
    transaction {
        exec("SET LOCAL lock_timeout = '5s'")
        exec("SELECT pg_advisory_xact_lock($account)")
        settleRows(account)
    }
}

fun settleRows(account: Long) {}
