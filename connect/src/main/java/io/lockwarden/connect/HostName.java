package io.lockwarden.connect;

import java.util.regex.Pattern;

/**
 * The check every host that goes into a pgjdbc URL passes: a DNS name, an IPv4 address or an IPv6 address
 * (with an optional zone). pgjdbc does not decode the host part of its URL, so a host such as
 * {@code db/x?socketFactory=...} would add parameters the connection string's keyword allow-list refused;
 * anything outside these characters is therefore refused before a URL is built. Stateless; thread-safe.
 */
public final class HostName {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_]([A-Za-z0-9_.-]{0,252})");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}(%[A-Za-z0-9_.-]{1,32})?");

    private HostName() {
    }

    /** True for a DNS name, IPv4 or IPv6 address. */
    public static boolean valid(String host) {
        return host != null && (NAME.matcher(host).matches() || (host.indexOf(':') >= 0 && IPV6.matcher(host).matches()));
    }

    /**
     * Returns {@code host} when {@link #valid(String)}.
     *
     * @param what the keyword it came from, for the message ({@code host}, {@code hostaddr})
     * @throws ConnectionSettingsException naming the keyword and what a host may contain (the value itself is
     *                                     not echoed: it may be a mistyped secret or hostile text)
     */
    public static String require(String host, String what) {
        if (!valid(host)) {
            throw new ConnectionSettingsException(what + " is not a host name or an IP address (letters, digits, "
                    + "'.', '-', '_', or an IPv6 address): name the server, e.g. " + what + "=db.example.com");
        }
        return host;
    }
}
