package io.lockwarden.inspect;

/**
 * One {@code pg_stat_statements} entry whose text calls an advisory lock function.
 *
 * @param query      normalized statement text
 * @param calls      times executed
 * @param meanMillis mean execution time in milliseconds (includes time spent waiting for the lock)
 * @param maxMillis  longest execution in milliseconds
 */
public record StatementStat(String query, long calls, double meanMillis, double maxMillis) {
}
