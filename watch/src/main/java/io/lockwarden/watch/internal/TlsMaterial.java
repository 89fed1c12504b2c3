package io.lockwarden.watch.internal;

import io.lockwarden.watch.ConfigException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * Turns the PEM files of a {@link WebConfig.Tls} into Jetty's {@link SslContextFactory.Server}: the certificate
 * chain and PKCS#8 private key into an in-memory key store, the client CA into a trust store, the client
 * certificate mode and the protocol range. The JDK reads the certificates and PKCS#8 keys itself; keys in the
 * older PKCS#1 ({@code BEGIN RSA PRIVATE KEY}) or SEC1 ({@code BEGIN EC PRIVATE KEY}) forms are refused with the
 * {@code openssl} command that converts them. Stateless.
 */
final class TlsMaterial {
    private static final Pattern PRIVATE_KEY = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

    private TlsMaterial() {
    }

    /**
     * The server's TLS context factory.
     *
     * @throws ConfigException when a file is not PEM, the key is not PKCS#8 or does not load, naming the file
     */
    static SslContextFactory.Server server(WebConfig.Tls tls) {
        char[] pass = new char[0];
        try {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            List<Certificate> chain = certificates(tls.certFile());
            keys.setKeyEntry("server", privateKey(tls.keyFile(), chain.get(0)), pass, chain.toArray(new Certificate[0]));
            SslContextFactory.Server f = new SslContextFactory.Server();
            f.setKeyStore(keys);
            f.setKeyStorePassword("");
            f.setIncludeProtocols(tls.protocols().toArray(new String[0]));
            if (tls.clientCaFile() != null) {
                KeyStore trust = KeyStore.getInstance("PKCS12");
                trust.load(null, null);
                int i = 0;
                for (Certificate c : certificates(tls.clientCaFile())) {
                    trust.setCertificateEntry("client-ca-" + i++, c);
                }
                f.setTrustStore(trust);
                f.setTrustStorePassword("");
            }
            f.setNeedClientAuth(tls.clientAuth() == WebConfig.ClientAuth.REQUIRE_AND_VERIFY);
            f.setWantClientAuth(tls.clientAuth() == WebConfig.ClientAuth.VERIFY_IF_GIVEN);
            return f;
        } catch (GeneralSecurityException | IOException e) {
            throw new ConfigException("web configuration: the TLS key store cannot be built (" + e.getMessage()
                    + "): check cert_file and key_file", e);
        }
    }

    private static List<Certificate> certificates(Path file) {
        try {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(Files.readAllBytes(file)));
            if (certs.isEmpty()) {
                throw new ConfigException(file + ": no PEM certificate (-----BEGIN CERTIFICATE-----) in it");
            }
            return List.copyOf(certs);
        } catch (IOException | GeneralSecurityException e) {
            throw new ConfigException(file + ": not a PEM certificate file (" + e.getMessage() + ")", e);
        }
    }

    private static PrivateKey privateKey(Path file, Certificate cert) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read key_file (" + e.getClass().getSimpleName() + ")", e);
        }
        Matcher m = PRIVATE_KEY.matcher(text);
        if (!m.find()) {
            // never echo the file: it is a secret
            throw new ConfigException(file + ": key_file is not an unencrypted PKCS#8 PEM key (BEGIN PRIVATE KEY); "
                    + "convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8");
        }
        byte[] der = Base64.getMimeDecoder().decode(m.group(1));
        String algorithm = cert.getPublicKey().getAlgorithm();
        try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new ConfigException(file + ": key_file is not a " + algorithm + " key matching cert_file's "
                    + "certificate", e);
        }
    }
}
