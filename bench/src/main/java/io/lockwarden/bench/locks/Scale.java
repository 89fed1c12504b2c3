package io.lockwarden.bench.locks;

/**
 * How much to measure: rounds and units per round of the interleaved timings, seconds per contention
 * point, trials of the latency runs. {@link #full()} fits the whole run in under 10 minutes on 2
 * cores; {@link #quick()} is a smoke run. Immutable.
 */
record Scale(int rounds, int units, double secondsPerPoint, int repetitions, int trials) {
    static Scale full() {
        return new Scale(25, 300, 1.0, 3, 200);
    }

    static Scale quick() {
        return new Scale(3, 50, 0.3, 1, 20);
    }
}
