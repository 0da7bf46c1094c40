package io.fieldsync.client.transport;

import io.fieldsync.ConfigException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * CA certificates a device trusts besides the system's, such as the CA of a private deployment,
 * read from PEM ({@code BEGIN CERTIFICATE} blocks). Immutable and thread-safe.
 */
public final class CaCertificates {
  private final List<X509Certificate> certificates;
  private final String pem;

  private CaCertificates(List<X509Certificate> certificates, String pem) {
    this.certificates = certificates;
    this.pem = pem;
  }

  /**
   * Reads a PEM file of one or more CA certificates.
   *
   * @throws ConfigException naming the file when it cannot be read or holds no certificate
   */
  public static CaCertificates read(Path file) {
    String text;
    try {
      text = new String(Files.readAllBytes(file), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new ConfigException("cannot read CA file " + file + ": " + e, e);
    }
    return fromPem(text, "CA file " + file);
  }

  /**
   * Reads PEM text of one or more CA certificates.
   *
   * @param source where the text came from, for messages
   * @throws ConfigException naming the source when the text holds no certificate
   */
  public static CaCertificates fromPem(String text, String source) {
    Collection<? extends Certificate> read;
    try {
      read =
          CertificateFactory.getInstance("X.509")
              .generateCertificates(
                  new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII)));
    } catch (CertificateException e) {
      throw new ConfigException(
          source + " is not PEM certificates (BEGIN CERTIFICATE): " + e.getMessage(), e);
    }
    if (read.isEmpty()) {
      throw new ConfigException(
          source + " holds no certificate (expected BEGIN CERTIFICATE blocks)");
    }
    List<X509Certificate> certificates = new ArrayList<>();
    for (Certificate certificate : read) {
      certificates.add((X509Certificate) certificate);
    }
    return new CaCertificates(List.copyOf(certificates), text);
  }

  /** The certificates, in the order of the text. */
  public List<X509Certificate> certificates() {
    return certificates;
  }

  /** The PEM text they were read from. */
  public String pem() {
    return pem;
  }

  /**
   * A TLS context that trusts the system's CAs and these ({@link #trustManager()}). The HTTP
   * transport checks the server's host name against its certificate on every connection.
   */
  public SSLContext sslContext() {
    return sslContext(trustManager());
  }

  /** A TLS context whose handshakes trust what {@code trust} trusts. */
  static SSLContext sslContext(X509TrustManager trust) {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {trust}, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new ConfigException("cannot make a TLS context: " + e, e);
    }
  }

  /**
   * A trust manager that trusts the system's CAs and these, for an application that builds its own
   * {@code OkHttpClient}: {@code builder.sslSocketFactory(SSLContext-of-it.getSocketFactory(),
   * cas.trustManager())}.
   *
   * @throws ConfigException when the platform cannot make one
   */
  public X509TrustManager trustManager() {
    try {
      KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
      anchors.load(null, null);
      int alias = 0;
      for (X509Certificate system : systemCas()) {
        anchors.setCertificateEntry("system-" + alias++, system);
      }
      for (X509Certificate certificate : certificates) {
        anchors.setCertificateEntry("ca-file-" + alias++, certificate);
      }
      TrustManagerFactory trust =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(anchors);
      for (TrustManager manager : trust.getTrustManagers()) {
        if (manager instanceof X509TrustManager x509) {
          return x509;
        }
      }
      throw new ConfigException("the platform made no X.509 trust manager for " + describe());
    } catch (GeneralSecurityException | IOException e) {
      throw new ConfigException("cannot make a TLS context trusting " + describe() + ": " + e, e);
    }
  }

  private static List<X509Certificate> systemCas() throws GeneralSecurityException {
    TrustManagerFactory system =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    system.init((KeyStore) null);
    List<X509Certificate> cas = new ArrayList<>();
    for (TrustManager manager : system.getTrustManagers()) {
      if (manager instanceof X509TrustManager x509) {
        cas.addAll(List.of(x509.getAcceptedIssuers()));
      }
    }
    return cas;
  }

  private String describe() {
    return certificates.stream()
        .map(certificate -> certificate.getSubjectX500Principal().getName())
        .collect(Collectors.toList())
        .toString();
  }

  @Override
  public String toString() {
    return "CaCertificates" + describe();
  }
}
