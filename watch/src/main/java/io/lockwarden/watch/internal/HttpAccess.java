package io.lockwarden.watch.internal;

import at.favre.lib.crypto.bcrypt.BCrypt;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Who may ask the watchdog's HTTP side anything: the {@code Host} header check against DNS rebinding and the
 * basic-auth check against the bcrypt hashes of the web configuration.
 *
 * <p>Host: a browser tricked by DNS rebinding sends the attacker's host name, so a request is served only when
 * its {@code Host} is an IP address literal, {@code localhost}, or a name on the allow-list ({@code *} allows
 * every name). A request without {@code Host} (HTTP/1.0, never a browser) is served.
 *
 * <p>Basic auth: bcrypt is slow by design, so a successful check is remembered (by user and a SHA-256 of the
 * password, never the password) for the next requests, as exporter-toolkit does; an unknown user is checked
 * against a fixed hash so that the answer takes as long as for a known one. Thread-safe.
 */
final class HttpAccess {
    private static final int CACHE = 256;

    private final Set<String> hosts;
    private final boolean anyHost;
    private final Map<String, String> users;
    private final Map<String, Boolean> verified = new ConcurrentHashMap<>();

    HttpAccess(List<String> allowedHosts, Map<String, String> users) {
        this.hosts = allowedHosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        this.anyHost = hosts.contains("*");
        this.users = Map.copyOf(users);
    }

    /** True when the {@code Host} header (null when absent) may be served. */
    boolean hostAllowed(String hostHeader) {
        if (hostHeader == null || anyHost) {
            return true;
        }
        String h = hostHeader.strip().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end > 0 && h.substring(1, end).matches("[0-9a-f:.%a-z]+") && h.substring(1, end).contains(":");
        }
        int colon = h.lastIndexOf(':');
        if (colon >= 0) {
            h = h.substring(0, colon);
        }
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        return h.matches("\\d{1,3}(\\.\\d{1,3}){3}") || h.equals("localhost") || hosts.contains(h);
    }

    /** True when no authentication is configured. */
    boolean open() {
        return users.isEmpty();
    }

    /** True when the {@code Authorization} header (null when absent) names a user with the right password. */
    boolean authenticated(String authorization) {
        if (users.isEmpty()) {
            return true;
        }
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return false;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(authorization.substring(6).strip()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return false;
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            return false;
        }
        String user = decoded.substring(0, colon);
        String password = decoded.substring(colon + 1);
        String hash = users.get(user);
        String cacheKey = user + '\0' + sha256(password) + '\0' + hash;
        if (hash != null && verified.containsKey(cacheKey)) {
            return true;
        }
        boolean ok = BCrypt.verifyer().verify(password.toCharArray(), (hash == null ? Dummy.HASH : hash).toCharArray())
                .verified && hash != null;
        if (ok) {
            if (verified.size() >= CACHE) {
                verified.clear();
            }
            verified.put(cacheKey, Boolean.TRUE);
        }
        return ok;
    }

    /** A bcrypt hash of a random text, made on first use, for timing parity of unknown users. */
    private static final class Dummy {
        static final String HASH = BCrypt.withDefaults().hashToString(10,
                Long.toHexString(new java.security.SecureRandom().nextLong()).toCharArray());
    }

    private static String sha256(String s) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
