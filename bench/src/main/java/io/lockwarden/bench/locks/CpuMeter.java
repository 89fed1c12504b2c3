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
import java.util.List;

/**
 * CPU time spent by this JVM's threads (all of them, so Lockwarden's background tick is included; the
 * JIT compiler and GC threads, which are no Java threads, are not) and by every process of the PostgreSQL server (each pid in {@code pg_stat_activity}, from
 * {@code /proc/<pid>/schedstat}, nanoseconds on CPU). On a machine shared with other builds, wall time
 * mostly measures the others; the CPU a unit of work costs on both ends does not depend on them, so
 * the tables report it beside wall time. Linux only. Not thread-safe.
 */
final class CpuMeter {
    /** A reading: wall clock, client CPU and server CPU, all in nanoseconds. */
    record Reading(long wall, long client, long server) {
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
        long client = 0;
        for (long id : threads.getAllThreadIds()) {
            client += Math.max(0, threads.getThreadCpuTime(id));
        }
        return new Reading(System.nanoTime(), client, server);
    }
}
