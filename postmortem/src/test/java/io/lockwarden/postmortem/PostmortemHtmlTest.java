package io.lockwarden.postmortem;

import static io.lockwarden.testkit.fixture.LockSessions.exec;
import static io.lockwarden.testkit.fixture.LockSessions.pid;
import static org.assertj.core.api.Assertions.assertThat;

import io.lockwarden.testkit.fixture.LockSessions;
import java.io.File;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The HTML report of a staged incident on a real PostgreSQL 18, loaded in headless Chromium: nine sessions hold
 * advisory locks and are terminated, four of them with a waiter queued behind; the page counts nine terminations
 * as the log does, draws one lane per session with the four waits, who blocked them and the four holders' ends,
 * and runs nothing from a forged log line carrying markup.
 */
class PostmortemHtmlTest {
    private static final String PWNED = "<img src=x onerror=\"document.title='pwned'\">";

    @TempDir
    Path dir;

    @Test
    void theTimelineCountsWhatTheLogSaysAndRunsNoScriptFromIt() throws Exception {
        Path log = dir.resolve("postgresql.log");
        List<Integer> holders = new ArrayList<>();
        List<Integer> waiters = new ArrayList<>();
        try (IncidentStage stage = new IncidentStage(18, "%m [%p] %q%u@%d ");
             LockSessions s = new LockSessions(stage.server)) {
            List<Future<?>> waits = new ArrayList<>();
            for (int i = 0; i < 9; i++) {
                Connection h = s.open("holder-" + i);
                exec(h, "SELECT pg_advisory_lock(" + (7000 + i) + ")");
                holders.add(pid(h));
                if (i < 4) {
                    Connection w = s.open("waiter-" + i);
                    waiters.add(pid(w));
                    waits.add(s.blockOn(w, "SELECT pg_advisory_lock(" + (7000 + i) + ")"));
                    stage.awaitLog("process " + waiters.get(i) + " still waiting");
                }
            }
            try (Connection admin = s.open("admin")) {
                for (int pid : holders) {
                    exec(admin, "SELECT pg_terminate_backend(" + pid + ", 5000)");
                }
            }
            for (Future<?> f : waits) {
                f.get(30, TimeUnit.SECONDS);
            }
            try (Connection done = s.open("done")) {
                exec(done, "DO $$BEGIN RAISE LOG '" + IncidentStage.SENTINEL + "'; END$$");
            }
            stage.awaitLog(IncidentStage.SENTINEL);
            Files.copy(stage.log("log"), log);
        }
        String text = Files.readString(log);
        assertThat(text.split("terminating connection due to administrator command", -1)).hasSize(10);
        // A line a client forged through its user name (docs/postmortem.md, forged lines), carrying markup.
        String before = text.substring(0, text.lastIndexOf('\n', text.indexOf(IncidentStage.SENTINEL)) + 1);
        String last = before.substring(before.lastIndexOf('\n', before.length() - 2) + 1);
        Files.writeString(log, before + last.substring(0, last.indexOf(" [")) + " [" + holders.get(0)
                + "] postgres@postgres FATAL:  terminating connection due to " + PWNED + "\n");

        Report r = Postmortem.builder().build().analyze(LogReader.builder().build(), List.of(log),
                InputStream.nullInputStream());
        Path html = dir.resolve("report.html");
        Files.writeString(html, ReportFormat.HTML.render(r), StandardCharsets.UTF_8);

        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + Files.createDirectories(dir.resolve("chromium")), "--window-size=1200,1400");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
        ChromeDriver browser = new ChromeDriver(service, options);
        try {
            browser.get(html.toUri().toString());
            assertThat(browser.getTitle()).isEqualTo("Advisory lock postmortem");
            assertThat(browser.findElements(By.tagName("img"))).isEmpty();
            assertThat(browser.findElements(By.tagName("script"))).isEmpty();
            WebElement terminations = browser.findElement(By.xpath("//table[@id='summary']//tr[th='Terminations']/td"));
            assertThat(terminations.getText()).startsWith("10 logged; 5 of sessions");
            assertThat(browser.getPageSource()).contains("&lt;img src=x onerror=");

            // One lane per session the log shows holding or waiting: the four holders and their four waiters.
            for (int i = 0; i < 4; i++) {
                int holder = holders.get(i);
                int waiter = waiters.get(i);
                assertThat(browser.findElements(By.cssSelector("#timeline .hold[data-pid='" + holder + "']")))
                        .hasSize(1);
                assertThat(browser.findElements(By.cssSelector("#timeline .mark-terminated[data-pid='" + holder
                        + "']"))).hasSize(i == 0 ? 2 : 1);
                assertThat(browser.findElements(By.cssSelector("#timeline .wait.outcome-acquired[data-pid='" + waiter
                        + "'][data-key='" + (7000 + i) + "']"))).hasSize(1);
                assertThat(browser.findElements(By.cssSelector("#timeline .blocked-by[data-from='" + waiter
                        + "'][data-to='" + holder + "']"))).hasSize(1);
            }
            assertThat(browser.findElements(By.cssSelector("#timeline .mark-terminated")))
                    .hasSize(r.terminations().size());
            assertThat(browser.findElements(By.cssSelector("#timeline text.lane"))).hasSize(8);
            Files.write(Path.of("target", "postmortem-report.png"), browser.getScreenshotAs(OutputType.BYTES));
        } finally {
            browser.quit();
        }
    }
}
