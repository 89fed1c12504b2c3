package io.lockwarden.bench;

import io.lockwarden.connect.PgBouncerConsole;
import io.lockwarden.testkit.fixture.PgBouncer;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Scale run for the PgBouncer console client: a private PostgreSQL and a session-pooling PgBouncer (stock
 * configuration) holding {@code N} server connections (one per open client). Over one console connection it
 * times {@code SHOW SERVERS} ({@code N} rows) against {@code SHOW VERSION} (one row: the cost of a round
 * trip), alternating, and the console part of a diagnose (login + the five SHOWs in one round trip); when
 * {@code psql} is installed, also {@code psql -c 'SHOW SERVERS'} as the tool operators compare with (its
 * process start included). Prints medians and ratios.
 *
 * <p>Run: {@code mvn -q -pl bench -am package -DskipTests -Pconsole-scale} ({@code -Dexec.args="1000 20"}:
 * server connections, repetitions). A program, not a library; not thread-safe.
 */
public final class ConsoleScaleBenchmark {
    private ConsoleScaleBenchmark() {
    }

    /** Runs the benchmark and prints a table. @throws Exception when the servers cannot be set up */
    public static void main(String[] args) throws Exception {
        int servers = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        try (PostgresServer server = PostgresServer.builder().setting("max_connections", String.valueOf(servers + 50))
                .setting("shared_buffers", "32MB").start();
             PgBouncer bouncer = PgBouncer.builder(server).poolMode(PgBouncer.PoolMode.SESSION).poolSize(servers)
                     .maxClientConnections(servers + 50).start()) {
            List<Connection> clients = new ArrayList<>();
            try {
                for (int i = 0; i < servers; i++) {
                    Connection c = bouncer.connect();
                    clients.add(c);
                    try (Statement st = c.createStatement()) {
                        st.execute("SELECT 1"); // takes a server connection for the session
                    }
                }
                measure(bouncer, servers, reps);
            } finally {
                for (Connection c : clients) {
                    close(c);
                }
            }
        }
    }

    private static void measure(PgBouncer bouncer, int servers, int reps) throws Exception {
        double[] showServers = new double[reps];
        double[] showVersion = new double[reps];
        double[] diagnosePart = new double[reps];
        double[] psql = new double[reps];
        int rows = 0;
        int roundTrips = 0;
        boolean havePsql = Files.isExecutable(Path.of("/usr/bin/psql"));
        try (PgBouncerConsole console = bouncer.openConsole()) {
            for (int i = 0; i < reps; i++) {
                long t0 = System.nanoTime();
                rows = console.query("SHOW SERVERS").size();
                long t1 = System.nanoTime();
                console.query("SHOW VERSION");
                long t2 = System.nanoTime();
                showServers[i] = (t1 - t0) / 1e6;
                showVersion[i] = (t2 - t1) / 1e6;
                long t3 = System.nanoTime();
                try (PgBouncerConsole fresh = bouncer.openConsole()) {
                    fresh.queryAll(List.of("SHOW SERVERS", "SHOW POOLS", "SHOW CLIENTS", "SHOW DATABASES", "SHOW CONFIG"));
                    roundTrips = fresh.roundTrips();
                }
                diagnosePart[i] = (System.nanoTime() - t3) / 1e6;
                if (havePsql) {
                    long t4 = System.nanoTime();
                    Process p = new ProcessBuilder("/usr/bin/psql", "-X", "-q", "-A", "-t", "-h", "127.0.0.1", "-p",
                            String.valueOf(bouncer.port()), "-U", PostgresServer.SUPERUSER, "-d", "pgbouncer",
                            "-c", "SHOW SERVERS").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                            .start();
                    if (!p.waitFor(60, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                    }
                    psql[i] = (System.nanoTime() - t4) / 1e6;
                }
            }
        }
        double servers_ = median(showServers);
        double version = median(showVersion);
        System.out.printf(Locale.ROOT, "PgBouncer console, %d server connections (SHOW SERVERS returned %d rows), "
                + "%d repetitions, medians in ms%n", servers, rows, reps);
        System.out.printf(Locale.ROOT, "  SHOW VERSION (one round trip)          %8.2f%n", version);
        System.out.printf(Locale.ROOT, "  SHOW SERVERS                           %8.2f   (%.1f x SHOW VERSION)%n", servers_,
                servers_ / version);
        System.out.printf(Locale.ROOT, "  diagnose's console read (login + 5 SHOWs, %d round trips) %8.2f%n", roundTrips,
                median(diagnosePart));
        if (havePsql) {
            double p = median(psql);
            System.out.printf(Locale.ROOT, "  psql -c 'SHOW SERVERS' (process incl.) %8.2f   (our SHOW SERVERS: %.2f x)%n",
                    p, servers_ / p);
        }
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v[v.length / 2];
    }

    private static void close(Connection c) {
        try {
            c.close();
        } catch (SQLException e) {
            // the run is over
        }
    }
}
