package io.fieldsync.testkit;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority made at run time, for TLS tests: it issues server certificates for the
 * names and validity a test asks for (expired, for another host), written as PEM files or a PKCS#12
 * keystore as an operator would hold them. Keys are EC P-256, quick to make.
 *
 * <pre>{@code
 * TestCertificates ca = TestCertificates.authority("test CA");
 * TestCertificates.Issued server = ca.issue(List.of("localhost", "127.0.0.1"), Duration.ofDays(1));
 * Path caFile = ca.writeCertificate(dir.resolve("ca.pem"));
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class TestCertificates {
  private static final AtomicLong SERIALS = new AtomicLong(System.nanoTime());

  private final KeyPair keys;
  private final X509Certificate certificate;

  private TestCertificates(KeyPair keys, X509Certificate certificate) {
    this.keys = keys;
    this.certificate = certificate;
  }

  /** A self-signed CA valid from a day ago for ten years. */
  public static TestCertificates authority(String name) {
    KeyPair keys = newKeys();
    X500Name subject = new X500Name("CN=" + name);
    Instant now = Instant.now();
    X509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            subject,
            serial(),
            Date.from(now.minus(Duration.ofDays(1))),
            Date.from(now.plus(Duration.ofDays(3650))),
            subject,
            keys.getPublic());
    try {
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      builder.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new TestCertificates(keys, sign(builder, keys.getPrivate()));
  }

  /** The CA's certificate. */
  public X509Certificate certificate() {
    return certificate;
  }

  /** A server certificate for {@code names} (host names or IP addresses), valid from now. */
  public Issued issue(List<String> names, Duration validity) {
    Instant now = Instant.now();
    return issue(names, now.minus(Duration.ofMinutes(5)), now.plus(validity));
  }

  /** A server certificate for {@code names}, valid from {@code notBefore} to {@code notAfter}. */
  public Issued issue(List<String> names, Instant notBefore, Instant notAfter) {
    KeyPair serverKeys = newKeys();
    X509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            new X500Name(certificate.getSubjectX500Principal().getName()),
            serial(),
            Date.from(notBefore),
            Date.from(notAfter),
            new X500Name("CN=" + names.get(0)),
            serverKeys.getPublic());
    List<GeneralName> alternatives = new ArrayList<>();
    for (String name : names) {
      alternatives.add(
          new GeneralName(isAddress(name) ? GeneralName.iPAddress : GeneralName.dNSName, name));
    }
    try {
      builder.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(alternatives.toArray(new GeneralName[0])));
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Issued(serverKeys.getPrivate(), sign(builder, keys.getPrivate()), certificate);
  }

  /** Writes the CA's certificate as PEM (what a device's {@code --ca-file} reads). */
  public Path writeCertificate(Path file) {
    return write(file, pem("CERTIFICATE", encoded(certificate)));
  }

  /** A server's key and certificate, with the CA that issued it. */
  public record Issued(PrivateKey key, X509Certificate certificate, X509Certificate ca) {

    /** The certificate as PEM, then the CA's (a full chain, as {@code --tls-cert} takes it). */
    public Path writeChain(Path file) {
      return write(
          file, pem("CERTIFICATE", encoded(certificate)) + pem("CERTIFICATE", encoded(ca)));
    }

    /** The private key as unencrypted PKCS#8 PEM ({@code BEGIN PRIVATE KEY}). */
    public Path writeKey(Path file) {
      return write(file, pem("PRIVATE KEY", key.getEncoded()));
    }

    /** Key and chain in a PKCS#12 keystore under {@code password}. */
    public Path writePkcs12(Path file, String password) {
      try {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry(
            "server", key, password.toCharArray(), new Certificate[] {certificate, ca});
        try (OutputStream out = Files.newOutputStream(file)) {
          store.store(out, password.toCharArray());
        }
        return file;
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("cannot write a PKCS#12 keystore: " + e, e);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private static boolean isAddress(String name) {
    return name.matches("[0-9.]+") || name.contains(":");
  }

  private static KeyPair newKeys() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK cannot make EC keys: " + e, e);
    }
  }

  private static BigInteger serial() {
    return BigInteger.valueOf(SERIALS.incrementAndGet());
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey issuerKey) {
    try {
      ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey);
      return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
    } catch (OperatorCreationException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign a test certificate: " + e, e);
    }
  }

  private static byte[] encoded(X509Certificate certificate) {
    try {
      return certificate.getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  private static Path write(Path file, String text) {
    try {
      return Files.writeString(file, text, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
