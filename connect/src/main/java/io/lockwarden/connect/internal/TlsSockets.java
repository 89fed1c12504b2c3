package io.lockwarden.connect.internal;

import io.lockwarden.connect.SslMode;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * Upgrades a plain socket to TLS as libpq's {@code sslmode} says: {@code allow/prefer/require} encrypt
 * without checking the certificate; {@code verify-ca} checks it against the root certificate file;
 * {@code verify-full} also checks that it names the host. Stateless.
 */
public final class TlsSockets {
    private TlsSockets() {
    }

    /**
     * The TLS socket over {@code plain}, handshake done.
     *
     * @param rootCert PEM file of the trusted root certificate(s); only read for the verifying modes
     * @throws IOException              when the handshake fails (e.g. the certificate is not trusted)
     * @throws GeneralSecurityException when the root certificate file cannot be used
     */
    public static SSLSocket upgrade(Socket plain, String host, int port, SslMode mode, Path rootCert)
            throws IOException, GeneralSecurityException {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, mode.verifies() ? trusting(rootCert) : new TrustManager[] {new UncheckedTrust()}, null);
        SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(plain, host, port, true);
        if (mode == SslMode.VERIFY_FULL) {
            SSLParameters params = tls.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS");
            tls.setSSLParameters(params);
        }
        tls.startHandshake();
        return tls;
    }

    private static TrustManager[] trusting(Path rootCert) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        Collection<? extends Certificate> certs;
        try (InputStream in = Files.newInputStream(rootCert)) {
            certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
        }
        if (certs.isEmpty()) {
            throw new GeneralSecurityException("no certificate in " + rootCert);
        }
        int i = 0;
        for (Certificate c : certs) {
            store.setCertificateEntry("root-" + i++, c);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        return tmf.getTrustManagers();
    }

    /** libpq's sslmode=require: encrypted, but any certificate is accepted. */
    private static final class UncheckedTrust implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
            // the server does not ask us for a certificate
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
            // sslmode below verify-ca does not check the server certificate, as in libpq
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
