package io.lockwarden.bench.locks;

import io.lockwarden.bench.GuardOverheadBenchmark;
import java.util.Locale;

/**
 * Item 6: the JDBC guard's per-statement overhead against plain pgjdbc, measured by the guard's own
 * {@link GuardOverheadBenchmark} on this run's server, its rows added to the one table.
 */
final class GuardBenchmark implements LockBenchmark {
    @Override
    public String name() {
        return "6 guard driver";
    }

    @Override
    public void run(BenchDatabase db, ResultTable table, Scale scale) throws Exception {
        for (GuardOverheadBenchmark.Row r : GuardOverheadBenchmark.run(db.server, scale.rounds(), scale.units() * 4)) {
            table.add(name(), "guarded vs plain pgjdbc, one connection", r.workload(), String.format(Locale.ROOT,
                            "plain %.1f us, guarded %.1f us wall; client cpu %.1f vs %.1f us", r.plainMicros(),
                            r.guardedMicros(), r.plainCpu(), r.guardedCpu()),
                    String.format(Locale.ROOT, "wall %.3fx [p10 %.3f..p90 %.3f], client cpu %.3fx", r.ratio(),
                            r.ratioP10(), r.ratioP90(), r.cpuRatio()),
                    r.rounds() + " rounds, per statement, both sides on one physical connection");
        }
    }
}
