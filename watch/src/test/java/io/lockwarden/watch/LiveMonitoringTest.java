package io.lockwarden.watch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lockwarden.testkit.fixture.LockSessions;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * One leak watched by a real Prometheus (scraping every second, evaluating the shipped alert rules) and by the
 * dashboard in a real headless Chromium: the leak alert fires, every query of the shipped Grafana dashboard returns
 * data, and the dashboard draws the chart and shows the leak with its fix.
 */
class LiveMonitoringTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Path DEPLOY = Path.of("..", "deploy").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    @Test
    void shippedAlertRulesPassPromtoolCheckAndTheirUnitTests() throws Exception {
        assertThat(run(List.of("promtool", "check", "rules", DEPLOY.resolve("prometheus/lockwarden-alerts.yml")
                .toString()))).contains("SUCCESS");
        assertThat(run(List.of("promtool", "test", "rules", DEPLOY.resolve("prometheus/lockwarden-alerts.test.yml")
                .toString()))).contains("SUCCESS");
    }

    @Test
    void leakFiresTheAlertInPrometheusFillsEveryDashboardQueryAndShowsInTheBrowser() throws Exception {
        PostgresServer server = PostgresServer.shared();
        TargetConfig target = Targets.of("app", server, dir).withAlertThresholds(Duration.ofSeconds(1),
                Duration.ofSeconds(1));
        WatchConfig config = new WatchConfig(Duration.ofMillis(500), 2, null, 0, null, null, null, List.of(target));
        Process prometheus = null;
        try (LockSessions sessions = new LockSessions(server); Watchdog w = Watchdog.start(config)) {
            Connection leaker = sessions.open("live-leaker");
            int pid = LockSessions.pid(leaker);
            LockSessions.exec(leaker, "SELECT pg_advisory_lock(8080)");
            sessions.blockOn(sessions.open("live-waiter"), "SELECT pg_advisory_lock(8080)");
            // A role whose name carries an escape sequence and a newline: the page shows them escaped.
            try (Connection su = server.connect(); java.sql.Statement st = su.createStatement()) {
                st.execute("DROP ROLE IF EXISTS \"" + HOSTILE_ROLE + "\"");
                st.execute("CREATE ROLE \"" + HOSTILE_ROLE + "\" LOGIN PASSWORD 'hostile'");
            }
            Connection hostile = sessions.openAs(HOSTILE_ROLE, "hostile", "live-hostile");
            int hostilePid = LockSessions.pid(hostile);
            LockSessions.exec(hostile, "SELECT pg_advisory_lock(8081)");

            int promPort = freePort();
            Path yml = dir.resolve("prometheus.yml");
            Files.writeString(yml, """
                    global: {scrape_interval: 1s, evaluation_interval: 1s}
                    rule_files: ['%s']
                    scrape_configs:
                      - job_name: lockwarden
                        static_configs: [{targets: ['127.0.0.1:%d']}]
                    """.formatted(DEPLOY.resolve("prometheus/lockwarden-alerts.yml"), w.port()));
            prometheus = new ProcessBuilder("/usr/bin/prometheus", "--config.file=" + yml,
                    "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + promPort)
                    .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
            String prom = "http://127.0.0.1:" + promPort;

            List<String> queries = dashboardQueries();
            assertThat(queries).hasSizeGreaterThan(10);
            List<String> empty = new ArrayList<>(queries);
            Targets.await("every dashboard query to return data: " + empty, 120, () -> {
                empty.removeIf(q -> {
                    JsonNode r = promQuery(prom, q);
                    return r != null && r.path("data").path("result").size() > 0;
                });
                return empty.isEmpty();
            });

            browse(w, pid, hostilePid);

            Targets.await("LockwardenIdleSessionLockHolder firing", 120, () -> {
                JsonNode a = promGet(prom + "/api/v1/alerts");
                if (a == null) {
                    return false;
                }
                for (JsonNode alert : a.path("data").path("alerts")) {
                    if (alert.path("labels").path("alertname").asText().equals("LockwardenIdleSessionLockHolder")
                            && alert.path("state").asText().equals("firing")
                            && alert.path("labels").path("target").asText().equals("app")) {
                        return true;
                    }
                }
                return false;
            });
        } finally {
            if (prometheus != null) {
                prometheus.destroy();
                if (!prometheus.waitFor(20, TimeUnit.SECONDS)) {
                    prometheus.destroyForcibly().waitFor();
                }
            }
        }
    }

    private static final String HOSTILE_ROLE = "evil\u001b[31m\nforged";

    private void browse(Watchdog w, int pid, int hostilePid) throws IOException {
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + Files.createDirectories(dir.resolve("chromium")), "--window-size=1200,1000");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
        ChromeDriver browser = new ChromeDriver(service, options);
        try {
            browser.get("http://127.0.0.1:" + w.port() + "/");
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
            wait.until(d -> !d.findElements(By.cssSelector("section[data-target='app'] .chart canvas")).isEmpty());
            WebElement incident = wait.until(d -> d.findElements(
                    By.cssSelector("section[data-target='app'] .incident[data-rule='idle-session-holds-locks']"))
                    .stream().findFirst().orElse(null));
            assertThat(incident.getText()).contains("pg_terminate_backend(" + pid);
            wait.until(d -> !d.findElements(By.cssSelector("section[data-target='app'] tr[data-pid='" + pid + "']"))
                    .isEmpty());
            assertThat(browser.findElement(By.cssSelector("section[data-target='app'] tr[data-pid='" + pid + "']"))
                    .getText()).contains("live-leaker").contains("session");
            wait.until(d -> !d.findElements(By.cssSelector("section[data-target='app'] tr[data-pid='" + hostilePid
                    + "']")).isEmpty());
            assertThat(browser.findElement(By.cssSelector("section[data-target='app'] tr[data-pid='" + hostilePid
                    + "']")).getText()).contains("evil\\x1b[31m\\nforged");
            assertThat(browser.getPageSource()).doesNotContain(PostgresServer.shared().password())
                    .doesNotContain("\u001b");
            Files.write(Path.of("target", "dashboard.png"), browser.getScreenshotAs(OutputType.BYTES));
        } finally {
            browser.quit();
        }
    }

    private static List<String> dashboardQueries() throws IOException {
        JsonNode d = JSON.readTree(DEPLOY.resolve("grafana/lockwarden-dashboard.json").toFile());
        List<String> out = new ArrayList<>();
        for (JsonNode panel : d.path("panels")) {
            for (JsonNode t : panel.path("targets")) {
                out.add(t.path("expr").asText().replace("$target", ".*").replace("$__rate_interval", "1m"));
            }
        }
        out.add("lockwarden_target_up"); // the template variable's label_values() source
        return out;
    }

    private static JsonNode promQuery(String prom, String q) {
        return promGet(prom + "/api/v1/query?query=" + URLEncoder.encode(q, StandardCharsets.UTF_8));
    }

    private static JsonNode promGet(String url) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                    .build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private String run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }
}
