package io.lockwarden.bench.locks;

import java.util.Arrays;
import java.util.Locale;

/**
 * Order statistics of repeated measurements: min, median, max, and p50/p99 for latency samples.
 * Immutable.
 */
record Spread(double min, double median, double max, double p99, int count) {

    static Spread of(double[] values) {
        if (values.length == 0) {
            return new Spread(Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0);
        }
        double[] v = values.clone();
        Arrays.sort(v);
        return new Spread(v[0], percentile(v, 50), v[v.length - 1], percentile(v, 99), v.length);
    }

    static Spread of(long[] nanos, double scale) {
        double[] d = new double[nanos.length];
        for (int i = 0; i < nanos.length; i++) {
            d[i] = nanos[i] / scale;
        }
        return of(d);
    }

    /** Nearest-rank percentile of sorted values. */
    private static double percentile(double[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    String minMedMax(String format) {
        return String.format(Locale.ROOT, format + " [" + format + ".." + format + "]", median, min, max);
    }
}
