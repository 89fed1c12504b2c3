package io.lockwarden.watch.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lockwarden.inspect.Diagnosis;
import io.lockwarden.inspect.DiagnosisJson;
import io.lockwarden.inspect.Finding;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The watchdog's HTTP interface, served by an embedded Jetty: {@code /metrics}, {@code /api/targets},
 * {@code /api/snapshot}, {@code /api/history}, {@code /api/holders}, {@code /api/audit}, {@code /healthz},
 * {@code /readyz} and the dashboard at {@code /} (static files from the jar, the uPlot chart from its WebJar).
 *
 * <p>Hardening: a connection that sends nothing for the idle timeout (default 10 s) is closed, and a half-sent
 * request holds no thread (Jetty parses without blocking), so slow clients cannot starve {@code /metrics} or the
 * probes; at most 16 threads and 1,000 connections. TLS, client certificates and basic auth come from a
 * {@link WebConfig} (the exporter-toolkit web configuration format); the {@code Host} header is checked against
 * an allow-list (DNS rebinding) for the dashboard and the API; {@code /metrics} answers any Host name (Prometheus
 * scrapes by DNS name) but still requires authentication when configured. {@code /healthz} and {@code /readyz}
 * answer without authentication and whatever the Host (they reveal nothing), for liveness probes. Read-only: only GET and HEAD. Nothing it serves
 * contains a password. Thread-safe.
 */
public final class HttpApi implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String UPLOT = "META-INF/resources/webjars/uplot/";
    private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8", "js",
            "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8");
    /** At most this many connections at once; more wait in the accept queue. */
    static final int MAX_CONNECTIONS = 1000;
    /** At most this many threads serve requests (plus Jetty's acceptor and selector). */
    static final int MAX_THREADS = 16;

    private final Server server;
    private final ServerConnector connector;
    private final Supplier<Collection<TargetMonitor>> targets;
    private final WatchMetrics metrics;
    private final String uplotVersion;
    private final HttpAccess access;
    private final WebConfig web;

    /**
     * How the server is exposed.
     *
     * @param web          TLS, basic-auth users and headers ({@link WebConfig#NONE} for plain, open HTTP)
     * @param allowedHosts host names accepted in the {@code Host} header besides IP literals and {@code localhost}
     *                     ({@code *}: any)
     * @param idleTimeout  a connection silent for this long is closed
     */
    public record Exposure(WebConfig web, List<String> allowedHosts, Duration idleTimeout) {
        /** Copies the list; defaults: no TLS or auth, no extra host, 10 s. */
        public Exposure {
            web = web == null ? WebConfig.NONE : web;
            allowedHosts = allowedHosts == null ? List.of() : List.copyOf(allowedHosts);
            idleTimeout = idleTimeout == null ? Duration.ofSeconds(10) : idleTimeout;
        }
    }

    /**
     * Binds and starts serving; logs a WARN when a non-loopback address is served without TLS or without
     * authentication.
     *
     * @throws UncheckedIOException when the address is taken or cannot be bound, naming it
     * @throws io.lockwarden.watch.ConfigException when the TLS files cannot be loaded
     */
    public HttpApi(String bind, int port, Exposure exposure, Supplier<Collection<TargetMonitor>> targets,
                   WatchMetrics metrics) {
        this.targets = targets;
        this.metrics = metrics;
        this.uplotVersion = uplotVersion();
        this.web = exposure.web();
        this.access = new HttpAccess(exposure.allowedHosts(), web.users());
        QueuedThreadPool pool = new QueuedThreadPool(MAX_THREADS, 2);
        pool.setName("lockwarden-http");
        pool.setDaemon(true);
        server = new Server(pool);
        HttpConfiguration hc = new HttpConfiguration();
        hc.setSendServerVersion(false);
        hc.setSendDateHeader(false);
        hc.setRequestHeaderSize(8192);
        if (web.tls() != null) {
            // the Host allow-list is the check on names; a certificate for an IP must not fail a request by name
            SecureRequestCustomizer secure = new SecureRequestCustomizer(false);
            secure.setSniHostCheck(false);
            hc.addCustomizer(secure);
            connector = new ServerConnector(server, 1, 1, new SslConnectionFactory(TlsMaterial.server(web.tls()),
                    "http/1.1"), new HttpConnectionFactory(hc));
        } else {
            connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(hc));
        }
        connector.setHost(bind);
        connector.setPort(port);
        connector.setIdleTimeout(exposure.idleTimeout().toMillis());
        connector.setAcceptQueueSize(64);
        server.addConnector(connector);
        server.addBean(new NetworkConnectionLimit(MAX_CONNECTIONS, connector));
        server.setHandler(new Routes());
        try {
            server.start();
        } catch (Exception e) {
            stopQuietly();
            throw new UncheckedIOException("cannot listen on " + bind + ":" + port + " (" + e.getMessage()
                    + "): choose another address with listen: HOST:PORT (or --listen)",
                    e instanceof IOException io ? io : new IOException(e));
        }
        exposureWarning(bind).ifPresent(LOG::warn);
    }

    /** The WARN for a non-loopback address served without TLS or without authentication, if any. */
    java.util.Optional<String> exposureWarning(String bind) {
        boolean loopback;
        try {
            loopback = InetAddress.getByName(bind).isLoopbackAddress();
        } catch (UnknownHostException e) {
            loopback = false;
        }
        if (loopback || (web.tls() != null && web.authenticates())) {
            return java.util.Optional.empty();
        }
        String missing = web.tls() == null && !web.authenticates() ? "without TLS and without authentication"
                : web.tls() == null ? "without TLS (passwords and query texts cross the network in clear)"
                : "without authentication";
        return java.util.Optional.of("HTTP on " + bind + ":" + port() + " is served " + missing + ": anyone who "
                + "reaches the port reads every session's details; set --web.config.file (tls_server_config, "
                + "basic_auth_users; docs/watch.md#securing-the-http-side) or listen on 127.0.0.1");
    }

    /** The bound port. */
    public int port() {
        return connector.getLocalPort();
    }

    /** True when serving HTTPS. */
    public boolean tls() {
        return web.tls() != null;
    }

    /** Jetty's handler: access checks, then the routes. */
    private final class Routes extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            try {
                route(request, response, callback);
            } catch (RuntimeException e) {
                send(request, response, callback, 500, "text/plain", "internal error: " + e.getClass().getSimpleName()
                        + "\n");
            }
            return true;
        }
    }

    private void route(Request x, Response r, Callback cb) {
        String method = x.getMethod();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            r.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD");
            send(x, r, cb, 405, "text/plain", "read-only: use GET\n");
            return;
        }
        String path = Request.getPathInContext(x);
        switch (path) {
            case "/healthz" -> {
                send(x, r, cb, 200, "text/plain", "ok\n");
                return;
            }
            case "/readyz" -> {
                boolean ready = targets.get().stream().allMatch(TargetMonitor::attempted);
                send(x, r, cb, ready ? 200 : 503, "text/plain", ready ? "ready\n" : "not ready: first samples pending\n");
                return;
            }
            default -> {
                // checked below
            }
        }
        // the dashboard and the API (query texts, client addresses) only for allowed names; /metrics (bounded
        // labels, no session details) also by any name, since Prometheus scrapes by DNS name (watch1:9187)
        if (!path.equals("/metrics") && !access.hostAllowed(x.getHeaders().get(HttpHeader.HOST))) {
            send(x, r, cb, 421, "text/plain", "this host name is not served here (DNS rebinding defence): open the "
                    + "dashboard by IP address or localhost, or add the name with --allowed-host / allowed_hosts\n");
            return;
        }
        if (!access.authenticated(x.getHeaders().get(HttpHeader.AUTHORIZATION))) {
            r.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Basic realm=\"lockwarden\", charset=\"UTF-8\"");
            send(x, r, cb, 401, "text/plain", "authentication required: a user of basic_auth_users\n");
            return;
        }
        String target = Request.extractQueryParameters(x, StandardCharsets.UTF_8).getValue("target");
        switch (path) {
            case "/metrics" -> send(x, r, cb, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape());
            case "/api/targets" -> json(x, r, cb, 200, targetsJson());
            case "/api/snapshot" -> withTarget(x, r, cb, target, t -> {
                Diagnosis d = t.diagnosis();
                return d == null ? null : new DiagnosisJson().render(d, t.describe());
            });
            case "/api/history" -> withTarget(x, r, cb, target, t -> {
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
            case "/api/holders" -> withTarget(x, r, cb, target, HttpApi::holdersJson);
            case "/api/audit" -> {
                ArrayNode a = JSON.createArrayNode();
                targets.get().stream().map(TargetMonitor::audit).filter(java.util.Objects::nonNull).findFirst()
                        .ifPresent(log -> log.recent(target).forEach(a::add));
                json(x, r, cb, 200, a.toString());
            }
            case "/", "/index.html" -> resource(x, r, cb, "io/lockwarden/watch/dashboard/index.html");
            default -> {
                if (path.startsWith("/static/") && path.matches("/static/[a-z0-9.-]+")) {
                    resource(x, r, cb, "io/lockwarden/watch/dashboard/" + path.substring("/static/".length()));
                } else if (path.startsWith("/vendor/uplot/") && path.matches("/vendor/uplot/[A-Za-z0-9.-]+")) {
                    resource(x, r, cb, UPLOT + uplotVersion + "/dist/" + path.substring("/vendor/uplot/".length()));
                } else {
                    send(x, r, cb, 404, "text/plain", "not found: see docs/watch.md for the endpoints\n");
                }
            }
        }
    }

    private interface Render {
        String apply(TargetMonitor t);
    }

    private void withTarget(Request x, Response resp, Callback cb, String name, Render r) {
        TargetMonitor t = name == null ? (targets.get().size() == 1 ? targets.get().iterator().next() : null)
                : targets.get().stream().filter(m -> m.name().equals(name)).findFirst().orElse(null);
        if (t == null) {
            json(x, resp, cb, 404, error(name == null ? "several targets: pass ?target=NAME (see /api/targets)"
                    : "no target named '" + name + "' (see /api/targets)"));
            return;
        }
        String body = r.apply(t);
        if (body == null) {
            json(x, resp, cb, 503, error("target '" + t.name() + "' has no successful sample yet"
                    + (t.lastError() == null ? "" : ": " + t.lastError())));
            return;
        }
        json(x, resp, cb, 200, body);
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

    private void resource(Request x, Response r, Callback cb, String name) {
        byte[] body;
        try (InputStream in = HttpApi.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                send(x, r, cb, 404, "text/plain", "not found\n");
                return;
            }
            body = in.readAllBytes();
        } catch (IOException e) {
            send(x, r, cb, 500, "text/plain", "internal error: cannot read " + name + "\n");
            return;
        }
        String ext = name.substring(name.lastIndexOf('.') + 1);
        r.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
        write(x, r, cb, 200, TYPES.getOrDefault(ext, "application/octet-stream"), body);
    }

    private void json(Request x, Response r, Callback cb, int status, String body) {
        send(x, r, cb, status, "application/json", body);
    }

    private void send(Request x, Response r, Callback cb, int status, String type, String body) {
        write(x, r, cb, status, type, body.getBytes(StandardCharsets.UTF_8));
    }

    private void write(Request x, Response r, Callback cb, int status, String type, byte[] body) {
        r.setStatus(status);
        r.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        r.getHeaders().put("X-Content-Type-Options", "nosniff");
        web.headers().forEach((k, v) -> r.getHeaders().put(k, v));
        r.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        boolean head = x.getMethod().equals("HEAD");
        r.write(true, head ? ByteBuffer.allocate(0) : ByteBuffer.wrap(body), cb);
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

    private void stopQuietly() {
        try {
            server.stop();
        } catch (Exception e) {
            LOG.debug("stopping the HTTP server: {}", e.toString());
        }
    }

    /** Stops serving at once. Idempotent. */
    @Override
    public void close() {
        stopQuietly();
    }
}
