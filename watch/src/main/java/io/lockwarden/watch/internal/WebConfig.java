package io.lockwarden.watch.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.lockwarden.watch.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The watchdog's HTTP security settings, read from a web configuration file in the format Prometheus exporters
 * use ({@code --web.config.file}, the exporter-toolkit format): {@code tls_server_config} ({@code cert_file},
 * {@code key_file}, {@code client_auth_type}, {@code client_ca_file}, {@code min_version}, {@code max_version}),
 * {@code http_server_config} ({@code headers}; {@code http2} is accepted and ignored: HTTP/1.1 is served) and
 * {@code basic_auth_users} (name: bcrypt hash). Keys of that format Lockwarden does not implement (cipher
 * suites, curve preferences, allowed client SANs, inline certificates) are refused by name rather than ignored.
 * Relative paths are relative to the file's directory, as in exporter-toolkit. Immutable, thread-safe.
 *
 * @param tls     TLS settings, or null to serve plain HTTP
 * @param users   basic-auth users (name to bcrypt hash); empty: no authentication
 * @param headers response headers added to every answer
 */
public record WebConfig(Tls tls, Map<String, String> users, Map<String, String> headers) {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Set<String> HEADERS = Set.of("Strict-Transport-Security", "X-Content-Type-Options",
            "X-Frame-Options", "X-XSS-Protection", "Content-Security-Policy");

    /** No TLS, no users, no headers: plain HTTP open to whoever reaches the port. */
    public static final WebConfig NONE = new WebConfig(null, Map.of(), Map.of());

    /** Copies the maps. */
    public WebConfig {
        users = Map.copyOf(users);
        headers = Map.copyOf(headers);
    }

    /** How the server asks for client certificates ({@code client_auth_type}). */
    public enum ClientAuth {
        /** {@code NoClientCert} (default): none asked for. */
        NONE,
        /** {@code VerifyClientCertIfGiven}: asked for; one that is sent must verify against {@code client_ca_file}. */
        VERIFY_IF_GIVEN,
        /** {@code RequireAndVerifyClientCert}: required and verified against {@code client_ca_file}. */
        REQUIRE_AND_VERIFY
    }

    /**
     * TLS settings.
     *
     * @param certFile     PEM certificate chain, server certificate first
     * @param keyFile      PEM private key (PKCS#8, {@code BEGIN PRIVATE KEY})
     * @param clientAuth   whether client certificates are asked for
     * @param clientCaFile PEM CA certificates client certificates must chain to, or null
     * @param protocols    the TLS protocol versions enabled (from {@code min_version} to {@code max_version})
     */
    public record Tls(Path certFile, Path keyFile, ClientAuth clientAuth, Path clientCaFile, List<String> protocols) {
        /** Copies the list. */
        public Tls {
            protocols = List.copyOf(protocols);
        }
    }

    /** True when every request (but the probes) must carry a known user and password. */
    public boolean authenticates() {
        return !users.isEmpty();
    }

    /**
     * Reads and validates a web configuration file.
     *
     * @throws ConfigException one line naming the file, the setting, what is wrong and the fix
     */
    public static WebConfig read(Path file) {
        JsonNode root;
        try {
            root = YAML.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": no such file: pass --web.config.file with the path of your web "
                    + "configuration (format in docs/watch.md)");
        } catch (IOException e) {
            String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst()
                    .orElse("");
            throw new ConfigException(file + ": cannot read the web configuration (" + m + ")", e);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return NONE; // an empty file is valid in exporter-toolkit: no TLS, no authentication
        }
        Path base = file.toAbsolutePath().getParent();
        Reader r = new Reader(file, base);
        r.keys(root, "", Set.of("tls_server_config", "http_server_config", "basic_auth_users"));
        Tls tls = root.has("tls_server_config") && !root.get("tls_server_config").isNull()
                ? r.tls(root.get("tls_server_config")) : null;
        Map<String, String> headers = new LinkedHashMap<>();
        JsonNode http = root.path("http_server_config");
        if (!http.isMissingNode() && !http.isNull()) {
            r.keys(http, "http_server_config.", Set.of("headers", "http2"));
            JsonNode h = http.path("headers");
            if (!h.isMissingNode() && !h.isNull()) {
                r.object(h, "http_server_config.headers");
                for (Iterator<Map.Entry<String, JsonNode>> it = h.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    String name = HEADERS.stream().filter(x -> x.equalsIgnoreCase(e.getKey())).findFirst()
                            .orElseThrow(() -> r.error("http_server_config.headers", "'" + e.getKey()
                                    + "' is not a header this format lets you set; use one of " + HEADERS));
                    headers.put(name, r.text(e.getValue(), "http_server_config.headers." + e.getKey()));
                }
            }
        }
        Map<String, String> users = new LinkedHashMap<>();
        JsonNode u = root.path("basic_auth_users");
        if (!u.isMissingNode() && !u.isNull()) {
            r.object(u, "basic_auth_users");
            for (Iterator<Map.Entry<String, JsonNode>> it = u.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String hash = r.text(e.getValue(), "basic_auth_users." + e.getKey());
                if (!hash.matches("\\$2[abxy]?\\$\\d\\d\\$[./A-Za-z0-9]{53}")) {
                    // the value is a secret's hash, or maybe a password written in clear: never echo it
                    throw r.error("basic_auth_users." + e.getKey(), "is not a bcrypt hash ($2y$10$... with 53 more "
                            + "characters); make one with: htpasswd -nBC 10 '' | tr -d ':\\n'");
                }
                if (e.getKey().isEmpty() || e.getKey().contains(":")) {
                    throw r.error("basic_auth_users", "a user name must be non-empty and without ':'");
                }
                users.put(e.getKey(), hash);
            }
        }
        return new WebConfig(tls, users, headers);
    }

    /** Validation with the file name in every message. */
    private static final class Reader {
        private static final List<String> VERSIONS = List.of("TLS10", "TLS11", "TLS12", "TLS13");
        private final Path file;
        private final Path base;

        Reader(Path file, Path base) {
            this.file = file;
            this.base = base;
        }

        Tls tls(JsonNode n) {
            keys(n, "tls_server_config.", Set.of("cert_file", "key_file", "client_auth_type", "client_ca_file",
                    "min_version", "max_version"));
            Path cert = path(n, "cert_file", true);
            Path key = path(n, "key_file", true);
            Path ca = path(n, "client_ca_file", false);
            String type = n.has("client_auth_type") ? text(n.get("client_auth_type"), "tls_server_config.client_auth_type")
                    : "NoClientCert";
            ClientAuth auth = switch (type) {
                case "NoClientCert", "" -> ClientAuth.NONE;
                case "VerifyClientCertIfGiven" -> ClientAuth.VERIFY_IF_GIVEN;
                case "RequireAndVerifyClientCert" -> ClientAuth.REQUIRE_AND_VERIFY;
                case "RequestClientCert", "RequireAnyClientCert" -> throw error("tls_server_config.client_auth_type",
                        type + " accepts certificates nobody verified; use VerifyClientCertIfGiven or "
                                + "RequireAndVerifyClientCert with client_ca_file");
                default -> throw error("tls_server_config.client_auth_type", "'" + type + "' is not one of "
                        + "NoClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert");
            };
            if (auth != ClientAuth.NONE && ca == null) {
                throw error("tls_server_config.client_ca_file", "is required with client_auth_type " + type
                        + ": name the PEM file of the CA that signs client certificates");
            }
            int min = version(n, "min_version", "TLS12");
            int max = version(n, "max_version", "TLS13");
            if (min > max) {
                throw error("tls_server_config.min_version", "is above max_version");
            }
            List<String> protocols = VERSIONS.subList(min, max + 1).stream()
                    .map(v -> "TLSv1" + (v.equals("TLS10") ? "" : "." + v.charAt(4))).toList();
            return new Tls(cert, key, auth, ca, protocols);
        }

        private int version(JsonNode n, String key, String otherwise) {
            String v = n.has(key) ? text(n.get(key), "tls_server_config." + key).toUpperCase(Locale.ROOT) : otherwise;
            int i = VERSIONS.indexOf(v);
            if (i < 0) {
                throw error("tls_server_config." + key, "'" + v + "' is not one of " + VERSIONS);
            }
            return i;
        }

        private Path path(JsonNode n, String key, boolean required) {
            if (!n.has(key) || n.get(key).isNull()) {
                if (required) {
                    throw error("tls_server_config." + key, "is missing: tls_server_config needs cert_file and "
                            + "key_file (PEM)");
                }
                return null;
            }
            Path p = Path.of(text(n.get(key), "tls_server_config." + key));
            p = base == null ? p : base.resolve(p);
            if (!Files.isReadable(p)) {
                throw error("tls_server_config." + key, p + " cannot be read: check the path and its permissions");
            }
            return p;
        }

        void keys(JsonNode n, String prefix, Set<String> allowed) {
            object(n, prefix.isEmpty() ? "the top level" : prefix.substring(0, prefix.length() - 1));
            for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!allowed.contains(k)) {
                    throw error(prefix + k, "is not supported by Lockwarden (supported here: " + allowed.stream()
                            .sorted().toList() + "); remove it");
                }
            }
        }

        void object(JsonNode n, String ctx) {
            if (!n.isObject()) {
                throw error(ctx, "must be a mapping (key: value lines)");
            }
        }

        String text(JsonNode n, String ctx) {
            if (n == null || !n.isValueNode() || n.isNull()) {
                throw error(ctx, "must be a text value");
            }
            return n.asText();
        }

        ConfigException error(String setting, String problem) {
            return new ConfigException(file + ": " + setting + " " + problem);
        }
    }
}
