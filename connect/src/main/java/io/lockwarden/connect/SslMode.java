package io.lockwarden.connect;

import java.util.Locale;

/**
 * libpq's {@code sslmode} values, with libpq's meaning. Immutable.
 */
public enum SslMode {
    /** Never TLS. */
    DISABLE,
    /** Plain first; TLS only when the server insists. */
    ALLOW,
    /** TLS when the server offers it, else plain (libpq's default). */
    PREFER,
    /** TLS or fail; the certificate is not checked. */
    REQUIRE,
    /** TLS or fail; the certificate must chain to the root certificate ({@code sslrootcert}). */
    VERIFY_CA,
    /** As {@link #VERIFY_CA}, and the certificate must name the host connected to. */
    VERIFY_FULL;

    /** The libpq spelling, e.g. {@code verify-full}. */
    public String keyword() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** True for the modes that check the server certificate against a root certificate. */
    public boolean verifies() {
        return this == VERIFY_CA || this == VERIFY_FULL;
    }

    /**
     * Parses a libpq spelling.
     *
     * @throws ConnectionSettingsException naming the accepted values
     */
    public static SslMode parse(String value) {
        for (SslMode m : values()) {
            if (m.keyword().equals(value)) {
                return m;
            }
        }
        throw new ConnectionSettingsException("invalid sslmode '" + value
                + "': use disable, allow, prefer, require, verify-ca or verify-full");
    }
}
