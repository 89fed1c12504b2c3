package io.lockwarden.watch;

import io.lockwarden.testkit.fixture.PostgresServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Test helpers: a target for a fixture server (password from a file), HTTP GETs, and polling. */
final class Targets {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private Targets() {
    }

    /** A target for {@code server} logging in as the superuser with the password in a file under {@code dir}. */
    static TargetConfig of(String name, PostgresServer server, Path dir) {
        try {
            Path secret = dir.resolve(name + ".password");
            Files.writeString(secret, server.password() + "\n");
            return TargetConfig.of(name, server.jdbcUrl(), PostgresServer.SUPERUSER,
                    new TargetConfig.Secret(null, secret));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** GET a path of the watchdog; returns status and body. */
    static HttpResponse<String> get(Watchdog w, String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + w.port() + path))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The value of one Prometheus sample line ({@code name{labels} value}) whose prefix matches, or NaN. */
    static double metric(String scrape, String seriesPrefix) {
        for (String line : scrape.split("\n")) {
            if (line.startsWith(seriesPrefix)) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return Double.NaN;
    }

    /** Polls until true, for up to {@code seconds}; fails with {@code what} otherwise. */
    static void await(String what, int seconds, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("timed out after " + seconds + " s waiting for: " + what);
    }
}
