package io.lockwarden.bench.locks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Times variants of one operation in interleaved rounds (each round runs every variant, in a random
 * order), so that a disturbance of the shared machine hits all variants alike; ratios are taken per
 * round and then summarised. Single-threaded.
 */
final class Interleaved {
    /** One unit of work of a variant; {@code i} counts units. */
    interface Unit {
        void run(int i) throws Exception;
    }

    /**
     * Microseconds per unit, one value per round, for each variant (in insertion order): wall time,
     * and CPU time of client and server together.
     */
    record Result(Map<String, double[]> microsPerUnit, Map<String, double[]> cpuMicrosPerUnit,
                  Map<String, double[]> clientCpuMicrosPerUnit) {
        Spread spread(String variant) {
            return Spread.of(microsPerUnit.get(variant));
        }

        Spread cpu(String variant) {
            return Spread.of(cpuMicrosPerUnit.get(variant));
        }

        /** Wall time, then CPU time of client + server (medians over rounds, with the total's spread). */
        String valueText(String variant) {
            Spread total = cpu(variant);
            double client = Spread.of(clientCpuMicrosPerUnit.get(variant)).median();
            return spread(variant).minMedMax("%.1f") + " us wall; cpu " + total.minMedMax("%.1f")
                    + String.format(Locale.ROOT, " us (client %.1f + server %.1f)", client, total.median() - client);
        }

        /** Per-round ratio variant/baseline of wall time, summarised. */
        Spread ratio(String variant, String baseline) {
            return ratio(microsPerUnit, variant, baseline);
        }

        /** Per-round ratio variant/baseline of CPU time, summarised. */
        Spread cpuRatio(String variant, String baseline) {
            return ratio(cpuMicrosPerUnit, variant, baseline);
        }

        private static Spread ratio(Map<String, double[]> m, String variant, String baseline) {
            double[] v = m.get(variant);
            double[] b = m.get(baseline);
            double[] r = new double[v.length];
            for (int i = 0; i < v.length; i++) {
                r[i] = v[i] / b[i];
            }
            return Spread.of(r);
        }

        String ratioText(String variant, String baseline) {
            Spread r = ratio(variant, baseline);
            Spread c = cpuRatio(variant, baseline);
            return String.format(Locale.ROOT, "wall %.3fx [%.3f..%.3f], cpu %.3fx [%.3f..%.3f]", r.median(), r.min(),
                    r.max(), c.median(), c.min(), c.max());
        }
    }

    private Interleaved() {
    }

    static Result measure(CpuMeter meter, Map<String, Unit> variants, int warmupRounds, int rounds,
                          int unitsPerRound) throws Exception {
        List<String> names = new ArrayList<>(variants.keySet());
        Map<String, double[]> out = new LinkedHashMap<>();
        Map<String, double[]> cpu = new LinkedHashMap<>();
        Map<String, double[]> clientCpu = new LinkedHashMap<>();
        for (String n : names) {
            out.put(n, new double[rounds]);
            cpu.put(n, new double[rounds]);
            clientCpu.put(n, new double[rounds]);
        }
        int counter = 0;
        // A fresh random order every round (seeded: runs are comparable). A rotation would keep each
        // variant behind the same neighbour every round, and what one leaves behind (cache, the updated
        // row's versions) would always land on the same next one.
        Random order = new Random(13);
        List<String> shuffled = new ArrayList<>(names);
        for (int round = -warmupRounds; round < rounds; round++) {
            Collections.shuffle(shuffled, order);
            for (String name : shuffled) {
                Unit unit = variants.get(name);
                CpuMeter.Reading before = meter.read();
                for (int i = 0; i < unitsPerRound; i++) {
                    unit.run(counter++);
                }
                CpuMeter.Reading after = meter.read();
                if (round >= 0) {
                    out.get(name)[round] = (after.wall() - before.wall()) / 1e3 / unitsPerRound;
                    long client = after.clientSince(before);
                    cpu.get(name)[round] = (client + after.server() - before.server()) / 1e3 / unitsPerRound;
                    clientCpu.get(name)[round] = client / 1e3 / unitsPerRound;
                }
            }
        }
        return new Result(out, cpu, clientCpu);
    }
}
