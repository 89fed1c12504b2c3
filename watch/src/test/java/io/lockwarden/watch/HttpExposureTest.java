package io.lockwarden.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import at.favre.lib.crypto.bcrypt.BCrypt;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lockwarden.testkit.fixture.PostgresServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The watchdog's HTTP side against hostile and careless clients: half-sent requests held open (slow loris), a
 * DNS-rebinding Host header, TLS with and without a client certificate, basic auth, and a real Prometheus
 * scraping through TLS and basic auth as it scrapes postgres_exporter.
 */
class HttpExposureTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private WatchConfig config(String bind, Path webConfig, List<String> hosts) {
        TargetConfig t = Targets.of("app", PostgresServer.shared(), dir);
        return new WatchConfig(Duration.ofMillis(500), 2, bind, 0, null, null, null, List.of(t), webConfig, hosts);
    }

    @Test
    void halfSentRequestsHeldOpenNeitherStarveMetricsNorProbesAndAreClosedAfterTheIdleTimeout() throws Exception {
        List<Socket> loris = new ArrayList<>();
        try (Watchdog w = Watchdog.builder(config(null, null, null)).httpIdleTimeout(Duration.ofSeconds(2)).start()) {
            Targets.await("a first sample", 60, () -> w.up("app"));
            // far more than the old server's 4 threads, each a request line and one header, then silence
            for (int i = 0; i < 64; i++) {
                Socket s = new Socket("127.0.0.1", w.port());
                s.getOutputStream().write(("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow-" + i + ": ")
                        .getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                loris.add(s);
            }
            long start = System.nanoTime();
            HttpResponse<String> metrics = Targets.get(w, "/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains("lockwarden_target_up{target=\"app\"} 1");
            assertThat(Targets.get(w, "/healthz").statusCode()).isEqualTo(200);
            assertThat(Targets.get(w, "/api/targets").statusCode()).isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("answered while 64 requests hang")
                    .isLessThan(Duration.ofSeconds(5)); // the JDK server hung here until the client gave up (30 s)
            // every silent connection is closed by the server after the idle timeout
            for (Socket s : loris) {
                s.setSoTimeout(10_000);
                assertThat(readToEnd(s.getInputStream())).as("closed by the server").isTrue();
            }
        } finally {
            for (Socket s : loris) {
                s.close();
            }
        }
    }

    /** True when the peer closed (EOF or reset) before the socket's read timeout. */
    private static boolean readToEnd(InputStream in) throws IOException {
        try {
            while (in.read() >= 0) {
                // an error answer may come before the close
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset by the server
        }
    }

    @Test
    void aDnsRebindingHostHeaderIsRefusedButIpAddressesLocalhostListedNamesAndProbesAreServed() throws Exception {
        try (Watchdog w = Watchdog.builder(config(null, null, List.of("lockwarden.internal"))).start()) {
            int port = w.port();
            assertThat(raw(port, "attacker.example:" + port, "/api/snapshot")).startsWith("HTTP/1.1 421");
            assertThat(raw(port, "attacker.example", "/")).startsWith("HTTP/1.1 421");
            assertThat(raw(port, "attacker.example.", "/api/holders")).startsWith("HTTP/1.1 421");
            assertThat(raw(port, "127.0.0.1.attacker.example", "/api/targets")).startsWith("HTTP/1.1 421");
            assertThat(raw(port, "127.0.0.1:" + port, "/api/targets")).startsWith("HTTP/1.1 200");
            assertThat(raw(port, "localhost:" + port, "/")).startsWith("HTTP/1.1 200");
            assertThat(raw(port, "[::1]:" + port, "/api/targets")).startsWith("HTTP/1.1 200");
            assertThat(raw(port, "LockWarden.Internal:" + port, "/api/targets")).startsWith("HTTP/1.1 200");
            // metrics carry no session details and Prometheus scrapes by DNS name: any Host
            assertThat(raw(port, "watch1.prod.example:" + port, "/metrics")).startsWith("HTTP/1.1 200");
            // read-only: HEAD gets the headers alone, anything else 405
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write(("HEAD /api/targets HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                String head = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                assertThat(head).startsWith("HTTP/1.1 200").endsWith("\r\n\r\n").doesNotContain("\"name\"");
            }
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write(("DELETE /api/targets HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1))
                        .startsWith("HTTP/1.1 405");
            }
            // the probes reveal nothing and must answer a Kubernetes kubelet whatever Host it sends
            assertThat(raw(port, "attacker.example", "/healthz")).startsWith("HTTP/1.1 200");
        }
    }

    private static String raw(int port, String host, String path) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    /** A CA, a server certificate for 127.0.0.1 and a client certificate, made by the openssl command. */
    private Path pki() throws Exception {
        Path p = Files.createDirectories(dir.resolve("pki"));
        Files.writeString(p.resolve("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
        Files.writeString(p.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
        openssl(p, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=lockwarden-test-ca");
        for (String who : List.of("server", "client")) {
            openssl(p, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                    who + ".key", "-out", who + ".csr", "-subj", "/CN=" + who);
            openssl(p, "x509", "-req", "-in", who + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                    "-out", who + ".crt", "-days", "2", "-extfile", who + ".ext");
        }
        openssl(p, "pkcs12", "-export", "-in", "client.crt", "-inkey", "client.key", "-out", "client.p12",
                "-passout", "pass:changeit");
        return p;
    }

    private static void openssl(Path cwd, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process proc = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
        String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(proc.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(proc.exitValue()).as(out).isZero();
    }

    private Path webConfig(Path pki, String clientAuth, String user, String password) throws IOException {
        String hash = BCrypt.with(BCrypt.Version.VERSION_2Y).hashToString(10, password.toCharArray());
        Path f = dir.resolve("web.yml");
        Files.writeString(f, """
                tls_server_config:
                  cert_file: %s
                  key_file: %s
                  client_auth_type: %s
                  client_ca_file: %s
                  min_version: TLS12
                basic_auth_users:
                  %s: %s
                """.formatted(pki.resolve("server.crt"), pki.resolve("server.key"), clientAuth, pki.resolve("ca.crt"),
                user, hash));
        return f;
    }

    private static HttpClient client(Path pki, boolean withClientCertificate) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(pki.resolve("ca.crt"))) {
            Certificate ca = CertificateFactory.getInstance("X.509").generateCertificate(in);
            trust.setCertificateEntry("ca", ca);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (withClientCertificate) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(pki.resolve("client.p12"))) {
                keys.load(in, "changeit".toCharArray());
            }
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, "changeit".toCharArray());
        }
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(10)).build();
    }

    private static HttpResponse<String> get(HttpClient c, String url, String user, String password) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20));
        if (user != null) {
            b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
                    .getBytes(StandardCharsets.UTF_8)));
        }
        return c.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void withRequiredClientCertificatesOnlyAClientWithOneAndTheRightPasswordIsServed() throws Exception {
        Path pki = pki();
        Path web = webConfig(pki, "RequireAndVerifyClientCert", "prometheus", "s3cret-scrape");
        try (Watchdog w = Watchdog.builder(config(null, web, null)).start()) {
            assertThat(w.url()).startsWith("https://127.0.0.1:");
            String url = w.url() + "metrics";
            HttpClient withCert = client(pki, true);
            HttpResponse<String> ok = get(withCert, url, "prometheus", "s3cret-scrape");
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.body()).contains("lockwarden_target_up");
            HttpResponse<String> noPassword = get(withCert, url, null, null);
            assertThat(noPassword.statusCode()).isEqualTo(401);
            assertThat(noPassword.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v ->
                    assertThat(v).startsWith("Basic"));
            assertThat(get(withCert, url, "prometheus", "wrong").statusCode()).isEqualTo(401);
            assertThat(get(withCert, url, "nobody", "s3cret-scrape").statusCode()).isEqualTo(401);
            // the probes answer without a password (but still only over TLS with a certificate)
            assertThat(get(withCert, w.url() + "healthz", null, null).statusCode()).isEqualTo(200);

            HttpClient withoutCert = client(pki, false);
            assertThatThrownBy(() -> get(withoutCert, url, "prometheus", "s3cret-scrape"))
                    .isInstanceOf(IOException.class);
            // plain HTTP on the TLS port gets no data
            try (Socket s = new Socket("127.0.0.1", w.port())) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                String answer;
                try {
                    answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
                } catch (IOException e) {
                    answer = "";
                }
                assertThat(answer).doesNotContain("lockwarden_target_up");
            }
        }
    }

    @Test
    void withOptionalClientCertificatesAClientWithoutOneIsServedAfterBasicAuth() throws Exception {
        Path pki = pki();
        Path web = webConfig(pki, "VerifyClientCertIfGiven", "ops", "dashboard-pw");
        try (Watchdog w = Watchdog.builder(config(null, web, null)).start()) {
            HttpClient withoutCert = client(pki, false);
            assertThat(get(withoutCert, w.url() + "api/targets", "ops", "dashboard-pw").statusCode()).isEqualTo(200);
            assertThat(get(withoutCert, w.url() + "api/targets", null, null).statusCode()).isEqualTo(401);
            assertThat(get(client(pki, true), w.url() + "api/targets", "ops", "dashboard-pw").statusCode())
                    .isEqualTo(200);
        }
    }

    @Test
    void prometheusScrapesThroughTlsWithAClientCertificateAndBasicAuthAndAWrongPasswordIsDown() throws Exception {
        Path pki = pki();
        Path web = webConfig(pki, "RequireAndVerifyClientCert", "prometheus", "scrape-pw");
        Process prometheus = null;
        try (Watchdog w = Watchdog.builder(config(null, web, null)).start()) {
            int promPort;
            try (ServerSocket s = new ServerSocket(0)) {
                promPort = s.getLocalPort();
            }
            Files.writeString(dir.resolve("good.pw"), "scrape-pw");
            Files.writeString(dir.resolve("bad.pw"), "not-the-password");
            Path yml = dir.resolve("prometheus.yml");
            String tls = "{ca_file: '%s', cert_file: '%s', key_file: '%s'}".formatted(pki.resolve("ca.crt"),
                    pki.resolve("client.crt"), pki.resolve("client.key"));
            Files.writeString(yml, """
                    global: {scrape_interval: 1s}
                    scrape_configs:
                      - job_name: lockwarden
                        scheme: https
                        tls_config: %s
                        basic_auth: {username: prometheus, password_file: '%s'}
                        static_configs: [{targets: ['127.0.0.1:%d']}]
                      - job_name: wrong-password
                        scheme: https
                        tls_config: %s
                        basic_auth: {username: prometheus, password_file: '%s'}
                        static_configs: [{targets: ['127.0.0.1:%d']}]
                    """.formatted(tls, dir.resolve("good.pw"), w.port(), tls, dir.resolve("bad.pw"), w.port()));
            prometheus = new ProcessBuilder("/usr/bin/prometheus", "--config.file=" + yml,
                    "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + promPort)
                    .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
            String prom = "http://127.0.0.1:" + promPort;
            HttpClient http = HttpClient.newHttpClient();
            Targets.await("Prometheus scraped the watchdog through TLS and basic auth", 90, () -> {
                JsonNode good = promQuery(http, prom, "lockwarden_target_up{job=\"lockwarden\",target=\"app\"}");
                JsonNode up = promQuery(http, prom, "up{job=\"wrong-password\"}");
                return good != null && good.size() == 1 && up != null && up.size() == 1;
            });
            assertThat(promQuery(http, prom, "up{job=\"lockwarden\"}").get(0).path("value").get(1).asText())
                    .isEqualTo("1");
            assertThat(promQuery(http, prom, "up{job=\"wrong-password\"}").get(0).path("value").get(1).asText())
                    .as("the scrape with a wrong password fails").isEqualTo("0");
        } finally {
            if (prometheus != null) {
                prometheus.destroy();
                if (!prometheus.waitFor(20, TimeUnit.SECONDS)) {
                    prometheus.destroyForcibly().waitFor();
                }
            }
        }
    }

    private static JsonNode promQuery(HttpClient http, String prom, String q) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(prom + "/api/v1/query?query="
                    + URLEncoder.encode(q, StandardCharsets.UTF_8))).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? JSON.readTree(r.body()).path("data").path("result") : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    @Test
    void servingAnAddressBeyondLoopbackWithoutTlsOrAuthenticationWarnsAndWithBothDoesNot() throws Exception {
        String plain = stderrOf(() -> {
            try (Watchdog w = Watchdog.builder(config("0.0.0.0", null, null)).scheduled(false).start()) {
                assertThat(w.port()).isPositive();
            }
        });
        assertThat(plain).contains("WARN").contains("without TLS and without authentication")
                .contains("--web.config.file");
        String loopback = stderrOf(() -> {
            try (Watchdog w = Watchdog.builder(config("127.0.0.1", null, null)).scheduled(false).start()) {
                assertThat(w.port()).isPositive();
            }
        });
        assertThat(loopback).doesNotContain("without TLS");
        Path web = webConfig(pki(), "NoClientCert", "ops", "pw");
        String secured = stderrOf(() -> {
            try (Watchdog w = Watchdog.builder(config("0.0.0.0", web, null)).scheduled(false).start()) {
                assertThat(w.url()).startsWith("https://");
            }
        });
        assertThat(secured).doesNotContain("without TLS").doesNotContain("without authentication");
    }

    private static String stderrOf(Runnable r) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setErr(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aBadWebConfigurationIsOneLineNamingTheSettingAndNeverEchoesAPasswordWrittenInClear() throws Exception {
        Path f = dir.resolve("web.yml");
        Files.writeString(f, "basic_auth_users:\n  ops: hunter2-in-clear\n");
        assertThatThrownBy(() -> Watchdog.builder(config(null, f, null)).start())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("basic_auth_users.ops").hasMessageContaining("bcrypt")
                .hasMessageNotContaining("hunter2")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        Files.writeString(f, "tls_server_config:\n  cert_file: /nonexistent.crt\n  key_file: /nonexistent.key\n");
        assertThatThrownBy(() -> Watchdog.builder(config(null, f, null)).start())
                .isInstanceOf(ConfigException.class).hasMessageContaining("tls_server_config.cert_file");
        Files.writeString(f, "tls_server_config:\n  cipher_suites: [TLS_AES_128_GCM_SHA256]\n");
        assertThatThrownBy(() -> Watchdog.builder(config(null, f, null)).start())
                .isInstanceOf(ConfigException.class).hasMessageContaining("cipher_suites")
                .hasMessageContaining("not supported");
    }

    @Test
    void theDashboardStillWorksInChromiumOverTlsWithBasicAuth() throws Exception {
        Path pki = pki();
        Path web = webConfig(pki, "NoClientCert", "ops", "dash-pw");
        try (Watchdog w = Watchdog.builder(config(null, web, null)).start()) {
            Targets.await("a first sample", 60, () -> w.up("app"));
            ChromeOptions options = new ChromeOptions();
            options.setBinary("/usr/bin/chromium");
            // the test CA is not in Chromium's trust store; the certificate itself is checked by the Java clients above
            options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--ignore-certificate-errors", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--user-data-dir=" + Files.createDirectories(dir.resolve("chromium")),
                    "--window-size=1200,900");
            ChromeDriverService service = new ChromeDriverService.Builder()
                    .usingDriverExecutable(new java.io.File("/usr/bin/chromedriver")).usingAnyFreePort().build();
            ChromeDriver browser = new ChromeDriver(service, options);
            try {
                // what a browser sends after the operator answered the password prompt (headless has no prompt;
                // credentials in the URL would make the page's relative fetches fail)
                browser.executeCdpCommand("Network.enable", java.util.Map.of());
                browser.executeCdpCommand("Network.setExtraHTTPHeaders", java.util.Map.of("headers", java.util.Map.of(
                        "Authorization", "Basic " + Base64.getEncoder().encodeToString("ops:dash-pw"
                                .getBytes(StandardCharsets.UTF_8)))));
                browser.get("https://127.0.0.1:" + w.port() + "/");
                WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
                wait.until(d -> !d.findElements(By.cssSelector("section[data-target='app'] .chart canvas")).isEmpty());
                assertThat(browser.findElement(By.cssSelector("section[data-target='app']")).getText()).contains("up");
                Files.write(Path.of("target", "dashboard-tls.png"), browser.getScreenshotAs(OutputType.BYTES));
            } finally {
                browser.quit();
            }
        }
    }
}
