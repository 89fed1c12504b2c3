package io.lockwarden.bench.locks;

/**
 * One section of the lock benchmarks: measures, and adds its rows to the shared table. Sections run
 * one after another on the same server and pool, and must leave no lock held behind them.
 */
interface LockBenchmark {
    /** The section label in the table, e.g. {@code "1 overhead"}. */
    String name();

    /** Measures and adds rows to {@code table}. */
    void run(BenchDatabase db, ResultTable table, Scale scale) throws Exception;
}
