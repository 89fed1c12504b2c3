package io.lockwarden.cli.internal.demo;

import io.lockwarden.testkit.fixture.LockSessions;
import io.lockwarden.testkit.fixture.PostgresServer;
import io.lockwarden.watch.WatchConfig;
import io.lockwarden.watch.Watchdog;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Act 4: the watchdog sees the leak on {@code /metrics} and its dashboard, records what it would do in dry-run,
 * then, switched to enforcement by a reload, ends the idle holder and writes the audit line; the waiting worker
 * gets through.
 */
final class WatchAct implements DemoAct {
    private static final Duration IDLE_LIMIT = Duration.ofSeconds(2);

    @Override
    public String name() {
        return "watch";
    }

    @Override
    public void play(DemoStage stage, DemoOutput out, int number) throws Exception {
        int pid = stage.ensureLeak();
        out.heading(number, "the watchdog", "lockwarden watch sees the leak on /metrics and the dashboard, "
                + "dry-runs, then ends it by policy with an audit line");
        PostgresServer server = stage.server();
        Path password = stage.writePrivate("demo.pw", server.password() + "\n");
        Path audit = stage.dir().resolve("audit.jsonl");
        Path config = stage.dir().resolve("lockwarden.yml");
        Files.writeString(config, config(server, password, audit, "dry-run"));
        Watchdog watchdog = stage.startWatchdog(WatchConfig.load(config));
        String base = "http://127.0.0.1:" + watchdog.port();
        out.say("$ lockwarden watch --config " + config.getFileName() + "   (policy: dry-run, idle holders older "
                + "than " + IDLE_LIMIT.toSeconds() + " s, application orders-service)");
        out.say("Dashboard: " + base + "/   metrics: " + base + "/metrics");

        Optional<String> dryRun = awaitAudit(watchdog, audit, "\"decision\":\"dry-run\"");
        List<String> metrics = metrics(base, List.of("lockwarden_idle_holders{", "lockwarden_blocked_sessions{"));
        metrics.forEach(m -> out.say("  " + m));
        out.expect(metrics.stream().anyMatch(m -> m.startsWith("lockwarden_idle_holders{") && value(m) >= 1),
                "/metrics: lockwarden_idle_holders is 1");
        out.expect(metrics.stream().anyMatch(m -> m.startsWith("lockwarden_blocked_sessions{") && value(m) >= 1),
                "/metrics: lockwarden_blocked_sessions is 1");
        out.expect(dashboard(base), "the dashboard answers at " + base + "/");
        dryRun.ifPresent(line -> out.say("  audit: " + line));
        out.expect(dryRun.isPresent() && stage.heldBy(pid) == 1, "dry-run: recorded, nothing terminated");

        Files.writeString(config, config(server, password, audit, "enforce"));
        watchdog.reload(WatchConfig.load(config));
        out.say("Policy switched to enforce (SIGHUP reload):");
        Optional<String> terminated = awaitAudit(watchdog, audit, "\"outcome\":\"terminated\"");
        terminated.ifPresent(line -> out.say("  audit: " + line));
        out.expect(terminated.isPresent() && terminated.get().contains("\"pid\":" + pid),
                "enforce: pid " + pid + " terminated, with its audit line");
        boolean through = workerGotThrough(stage);
        out.expect(through && stage.heldBy(pid) == 0, "the waiting worker got the lock; the leak is gone");
        out.say("");
    }

    private static String config(PostgresServer server, Path password, Path audit, String mode) {
        return "interval: 1s\n"
                + "listen: 127.0.0.1:0\n"
                + "audit_log: " + audit + "\n"
                + "targets:\n"
                + "  - name: demo\n"
                + "    connection: " + server.jdbcUrl() + "\n"
                + "    user: " + PostgresServer.SUPERUSER + "\n"
                + "    password_file: " + password + "\n"
                + "    namespaces: [orders]\n"
                + "    alerts: {idle_holder_after: 1s, blocked_after: 1s}\n"
                + "    policy:\n"
                + "      mode: " + mode + "\n"
                + "      idle_holders_older_than: " + IDLE_LIMIT.toSeconds() + "s\n"
                + "      include: {application_name: \"orders-service\"}\n";
    }

    /** Samples until the audit log has a line containing {@code marker}; at most 15 s. */
    private static Optional<String> awaitAudit(Watchdog watchdog, Path audit, String marker) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            watchdog.sampleNow();
            if (Files.exists(audit)) {
                Optional<String> line = Files.readAllLines(audit).stream().filter(l -> l.contains(marker)).findFirst();
                if (line.isPresent()) {
                    return line;
                }
            }
            Thread.sleep(250);
        }
        return Optional.empty();
    }

    private static List<String> metrics(String base, List<String> prefixes) throws Exception {
        String body = get(base + "/metrics");
        return body.lines().filter(l -> prefixes.stream().anyMatch(l::startsWith)).toList();
    }

    private static boolean dashboard(String base) throws Exception {
        return get(base + "/").toLowerCase().contains("<html");
    }

    private static String get(String url) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
                .build(), HttpResponse.BodyHandlers.ofString());
        return r.body();
    }

    private static double value(String metricLine) {
        return Double.parseDouble(metricLine.substring(metricLine.lastIndexOf(' ') + 1));
    }

    private static boolean workerGotThrough(DemoStage stage) {
        try {
            stage.waiting().get(20, TimeUnit.SECONDS);
            // lockwarden:ignore LW105 the demo only needs the waiter to get through
            LockSessions.exec(stage.worker(), "SELECT pg_advisory_unlock(" + DemoStage.KEY.sqlArguments() + ")");
            stage.leakEnded();
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
