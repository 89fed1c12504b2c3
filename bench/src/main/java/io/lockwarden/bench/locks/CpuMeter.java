package io.lockwarden.bench.locks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * CPU time spent by this JVM's threads (all of them, so Lockwarden's background tick is included; the
 * JIT compiler and GC threads, which are no Java threads, are not) and by every process of the PostgreSQL server (each pid in {@code pg_stat_activity}, from
 * {@code /proc/<pid>/schedstat}, nanoseconds on CPU). On a machine shared with other builds, wall time
 * mostly measures the others; the CPU a unit of work costs on both ends does not depend on them, so
 * the tables report it beside wall time. Linux only. Not thread-safe.
 */
final class CpuMeter {
    /** A reading: wall clock, CPU of each client thread (by id) and of the server, all in nanoseconds. */
    record Reading(long wall, Map<Long, Long> clientThreads, long server) {
        /** Client CPU since {@code before}, of the threads alive at both readings or started since. */
        long clientSince(Reading before) {
            long sum = 0;
            for (Map.Entry<Long, Long> e : clientThreads.entrySet()) {
                sum += e.getValue() - before.clientThreads.getOrDefault(e.getKey(), 0L);
            }
            return sum;
        }
    }

    private final List<Path> serverProcesses = new ArrayList<>();
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();

    /** Finds the server's processes now: call it after the pool has opened its connections. */
    CpuMeter(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pid FROM pg_stat_activity")) {
            while (rs.next()) {
                serverProcesses.add(Path.of("/proc", String.valueOf(rs.getInt(1)), "schedstat"));
            }
        }
    }

    Reading read() {
        long server = 0;
        for (Path p : serverProcesses) {
            try {
                String s = Files.readString(p);
                server += Long.parseLong(s.substring(0, s.indexOf(' ')));
            } catch (IOException | RuntimeException gone) {
                // a process that ended (a terminated backend) no longer counts
            }
        }
        // Per-thread CPU clocks have nanosecond resolution; the process CPU time counts 10 ms ticks.
        Map<Long, Long> client = new HashMap<>();
        for (long id : threads.getAllThreadIds()) {
            long cpu = threads.getThreadCpuTime(id);
            if (cpu >= 0) {
                client.put(id, cpu);
            }
        }
        return new Reading(System.nanoTime(), client, server);
    }
}
