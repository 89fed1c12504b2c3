package io.lockwarden.cli.internal.soak;

/**
 * One second of a soak run as seen in {@code pg_locks} and by the workers.
 *
 * @param seconds    seconds since the workers started
 * @param held       granted advisory locks of this run on the server
 * @param waiting    advisory lock requests of this run waiting on the server
 * @param orphaned   granted locks of this run whose key no worker was working on, confirmed half a second
 *                   later (leaked locks; 0 when the sampler could not tell)
 * @param units      units of work completed so far
 * @param violations mutual-exclusion violations seen so far
 * @param faults     faults injected so far
 */
public record Sample(double seconds, int held, int waiting, int orphaned, long units, long violations, long faults) {
}
