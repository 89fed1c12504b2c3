package io.lockwarden.watch.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.lockwarden.inspect.Diagnosis;
import io.lockwarden.inspect.DiagnosisJson;
import io.lockwarden.inspect.Finding;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The watchdog's HTTP interface on the JDK's {@code com.sun.net.httpserver}: {@code /metrics},
 * {@code /api/targets}, {@code /api/snapshot}, {@code /api/history}, {@code /api/holders}, {@code /api/audit},
 * {@code /healthz}, {@code /readyz} and the dashboard at {@code /} (static files from the jar, the uPlot chart
 * from its WebJar). Read-only: only GET and HEAD. Nothing it serves contains a password. Thread-safe.
 */
public final class HttpApi implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String UPLOT = "META-INF/resources/webjars/uplot/";
    private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8", "js",
            "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8");

    private final HttpServer server;
    private final ExecutorService executor;
    private final Supplier<Collection<TargetMonitor>> targets;
    private final WatchMetrics metrics;
    private final String uplotVersion;

    /**
     * Binds and starts serving.
     *
     * @throws UncheckedIOException when the address is taken or cannot be bound, naming it
     */
    public HttpApi(String bind, int port, Supplier<Collection<TargetMonitor>> targets, WatchMetrics metrics) {
        this.targets = targets;
        this.metrics = metrics;
        this.uplotVersion = uplotVersion();
        try {
            server = HttpServer.create(new InetSocketAddress(bind, port), 32);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + bind + ":" + port + " (" + e.getMessage()
                    + "): choose another address with listen: HOST:PORT (or --listen)", e);
        }
        executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "lockwarden-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** The bound port. */
    public int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            String method = x.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                send(x, 405, "text/plain", "read-only: use GET\n");
                return;
            }
            String path = x.getRequestURI().getPath();
            String target = query(x, "target");
            switch (path) {
                case "/metrics" -> send(x, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape());
                case "/healthz" -> send(x, 200, "text/plain", "ok\n");
                case "/readyz" -> {
                    boolean ready = targets.get().stream().allMatch(TargetMonitor::attempted);
                    send(x, ready ? 200 : 503, "text/plain", ready ? "ready\n" : "not ready: first samples pending\n");
                }
                case "/api/targets" -> json(x, 200, targetsJson());
                case "/api/snapshot" -> withTarget(x, target, t -> {
                    Diagnosis d = t.diagnosis();
                    return d == null ? null : new DiagnosisJson().render(d, t.describe());
                });
                case "/api/history" -> withTarget(x, target, t -> {
                    long[][] s = t.history().series();
                    ObjectNode n = JSON.createObjectNode();
                    n.put("target", t.name());
                    n.put("capacity", t.history().capacity());
                    ArrayNode ts = n.putArray("time");
                    ArrayNode held = n.putArray("held");
                    ArrayNode waiting = n.putArray("waiting");
                    for (int i = 0; i < s[0].length; i++) {
                        ts.add(s[0][i]);
                        held.add(s[1][i]);
                        waiting.add(s[2][i]);
                    }
                    return n.toString();
                });
                case "/api/holders" -> withTarget(x, target, t -> holdersJson(t));
                case "/api/audit" -> {
                    ArrayNode a = JSON.createArrayNode();
                    targets.get().stream().map(TargetMonitor::audit).filter(java.util.Objects::nonNull).findFirst()
                            .ifPresent(log -> log.recent(target).forEach(a::add));
                    json(x, 200, a.toString());
                }
                case "/", "/index.html" -> resource(x, "io/lockwarden/watch/dashboard/index.html");
                default -> {
                    if (path.startsWith("/static/") && path.matches("/static/[a-z0-9.-]+")) {
                        resource(x, "io/lockwarden/watch/dashboard/" + path.substring("/static/".length()));
                    } else if (path.startsWith("/vendor/uplot/") && path.matches("/vendor/uplot/[A-Za-z0-9.-]+")) {
                        resource(x, UPLOT + uplotVersion + "/dist/" + path.substring("/vendor/uplot/".length()));
                    } else {
                        send(x, 404, "text/plain", "not found: see docs/watch.md for the endpoints\n");
                    }
                }
            }
        } catch (RuntimeException e) {
            send(x, 500, "text/plain", "internal error: " + e.getClass().getSimpleName() + "\n");
        }
    }

    private interface Render {
        String apply(TargetMonitor t);
    }

    private void withTarget(HttpExchange x, String name, Render r) throws IOException {
        TargetMonitor t = name == null ? (targets.get().size() == 1 ? targets.get().iterator().next() : null)
                : targets.get().stream().filter(m -> m.name().equals(name)).findFirst().orElse(null);
        if (t == null) {
            json(x, 404, error(name == null ? "several targets: pass ?target=NAME (see /api/targets)"
                    : "no target named '" + name + "' (see /api/targets)"));
            return;
        }
        String body = r.apply(t);
        if (body == null) {
            json(x, 503, error("target '" + t.name() + "' has no successful sample yet"
                    + (t.lastError() == null ? "" : ": " + t.lastError())));
            return;
        }
        json(x, 200, body);
    }

    private String targetsJson() {
        ArrayNode a = JSON.createArrayNode();
        for (TargetMonitor t : targets.get()) {
            ObjectNode n = a.addObject();
            n.put("name", t.name());
            n.put("server", t.describe());
            n.put("health", t.health());
            n.put("last_error", t.lastError());
            double last = t.lastSuccessEpochSeconds();
            if (Double.isNaN(last)) {
                n.putNull("last_sample");
            } else {
                n.put("last_sample", java.time.Instant.ofEpochMilli((long) (last * 1000)).toString());
            }
            n.put("enforcement", t.config().policy().mode().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
            n.put("leader", t.leader());
            SampleStats s = t.stats();
            if (s != null) {
                n.put("held", s.held());
                n.put("waiting", s.waiting());
                n.put("idle_holders", s.idleHolders());
                n.put("oldest_idle_hold_seconds", s.oldestIdleHold());
                ArrayNode inc = n.putArray("incidents");
                Diagnosis d = t.diagnosis();
                if (d != null) {
                    for (Finding f : d.findings()) {
                        if (f.severity().isProblem()) {
                            ObjectNode i = inc.addObject();
                            i.put("rule", f.rule());
                            i.put("severity", f.severity().name().toLowerCase(java.util.Locale.ROOT));
                            i.put("message", f.message());
                            i.put("fix", f.fix());
                        }
                    }
                }
            }
        }
        return a.toString();
    }

    private static String holdersJson(TargetMonitor t) {
        SampleStats s = t.stats();
        if (s == null) {
            return null;
        }
        ArrayNode a = JSON.createArrayNode();
        for (SampleStats.Holder h : s.holders()) {
            ObjectNode n = a.addObject();
            n.put("pid", h.pid());
            n.put("user", h.user());
            n.put("application_name", h.application());
            n.put("state", h.state());
            n.put("locks", h.locks());
            ArrayNode k = n.putArray("keys");
            h.keys().forEach(k::add);
            n.put("scope", h.sessionScope() ? "session" : "undetermined");
            n.put("hold_seconds", h.holdSeconds());
            n.put("idle_seconds", h.idleSeconds());
            n.put("waiters", h.waiters());
        }
        return a.toString();
    }

    private static String error(String message) {
        return JSON.createObjectNode().put("error", message).toString();
    }

    private static String query(HttpExchange x, String name) {
        String q = x.getRequestURI().getRawQuery();
        if (q == null) {
            return null;
        }
        for (String part : q.split("&")) {
            int eq = part.indexOf('=');
            if (eq > 0 && part.substring(0, eq).equals(name)) {
                return URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private static void resource(HttpExchange x, String name) throws IOException {
        try (InputStream in = HttpApi.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                send(x, 404, "text/plain", "not found\n");
                return;
            }
            String ext = name.substring(name.lastIndexOf('.') + 1);
            byte[] body = in.readAllBytes();
            x.getResponseHeaders().set("Content-Type", TYPES.getOrDefault(ext, "application/octet-stream"));
            x.getResponseHeaders().set("Cache-Control", "no-cache");
            write(x, 200, body);
        }
    }

    private static void json(HttpExchange x, int status, String body) throws IOException {
        send(x, status, "application/json", body);
    }

    private static void send(HttpExchange x, int status, String type, String body) throws IOException {
        x.getResponseHeaders().set("Content-Type", type);
        write(x, status, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void write(HttpExchange x, int status, byte[] body) throws IOException {
        x.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        boolean head = x.getRequestMethod().equals("HEAD");
        x.sendResponseHeaders(status, head ? -1 : body.length == 0 ? -1 : body.length);
        if (!head && body.length > 0) {
            try (OutputStream out = x.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static String uplotVersion() {
        try (InputStream in = HttpApi.class.getClassLoader()
                .getResourceAsStream("META-INF/maven/org.webjars.npm/uplot/pom.properties")) {
            if (in != null) {
                java.util.Properties p = new java.util.Properties();
                p.load(in);
                return p.getProperty("version");
            }
        } catch (IOException e) {
            // fall through
        }
        throw new IllegalStateException("the uPlot WebJar (org.webjars.npm:uplot) is not on the classpath: "
                + "the dashboard cannot draw its chart");
    }

    /** Stops serving at once. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
