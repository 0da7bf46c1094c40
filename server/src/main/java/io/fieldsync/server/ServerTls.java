package io.fieldsync.server;

import io.fieldsync.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The server's TLS identity: a private key and its certificate chain, from PEM files or a PKCS#12
 * keystore. A server given one serves HTTPS and WSS only, with TLS 1.2 and 1.3.
 *
 * <p>PEM keys are read in the PKCS#8 form ({@code BEGIN PRIVATE KEY}: RSA, EC or Ed25519), which
 * current OpenSSL and certbot write; an older form is refused with the command that converts it.
 * Immutable and thread-safe.
 */
public final class ServerTls {
  /** The protocols the server accepts; older ones are refused in the handshake. */
  static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

  private static final Pattern PEM_BLOCK =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \\1-----");
  private static final String ALIAS = "fieldsync";

  private final KeyStore keyStore;
  private final char[] password;
  private final X509Certificate certificate;
  private final String source;

  private ServerTls(
      KeyStore keyStore, char[] password, X509Certificate certificate, String source) {
    this.keyStore = keyStore;
    this.password = password;
    this.certificate = certificate;
    this.source = source;
  }

  /**
   * A PEM certificate chain (the server's certificate first, then its intermediates) and its PKCS#8
   * private key.
   *
   * @throws ConfigException naming the file when one cannot be read, holds no certificate or key,
   *     or the key does not belong to the certificate
   */
  public static ServerTls fromPem(Path certificateChain, Path privateKey) {
    List<X509Certificate> chain = certificates(certificateChain);
    PrivateKey key = privateKey(privateKey);
    if (!belongTogether(key, chain.get(0))) {
      throw new ConfigException(
          "TLS key "
              + privateKey
              + " does not belong to the certificate in "
              + certificateChain
              + " ("
              + chain.get(0).getSubjectX500Principal()
              + "); give the key the certificate was issued for");
    }
    char[] password = new char[0];
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry(ALIAS, key, password, chain.toArray(new Certificate[0]));
      return new ServerTls(store, password, chain.get(0), certificateChain + " and " + privateKey);
    } catch (GeneralSecurityException | IOException e) {
      throw new ConfigException("cannot hold the TLS key of " + privateKey + ": " + e, e);
    }
  }

  /**
   * A PKCS#12 keystore holding one private key and its certificate chain.
   *
   * @throws ConfigException naming the file when it cannot be read, the password is wrong, or it
   *     holds no private key
   */
  public static ServerTls fromPkcs12(Path keystore, char[] password) {
    KeyStore store;
    try (InputStream in = Files.newInputStream(keystore)) {
      store = KeyStore.getInstance("PKCS12");
      store.load(in, password);
    } catch (IOException e) {
      if (e.getCause() instanceof java.security.UnrecoverableKeyException) {
        throw new ConfigException(
            "cannot open TLS keystore " + keystore + ": the password is wrong", e);
      }
      throw new ConfigException("cannot read TLS keystore " + keystore + ": " + e.getMessage(), e);
    } catch (GeneralSecurityException e) {
      throw new ConfigException("cannot read TLS keystore " + keystore + ": " + e.getMessage(), e);
    }
    try {
      for (String alias : Collections.list(store.aliases())) {
        if (store.isKeyEntry(alias)
            && store.getCertificate(alias) instanceof X509Certificate certificate) {
          return new ServerTls(store, password.clone(), certificate, keystore.toString());
        }
      }
    } catch (GeneralSecurityException e) {
      throw new ConfigException("cannot read TLS keystore " + keystore + ": " + e.getMessage(), e);
    }
    throw new ConfigException(
        "TLS keystore " + keystore + " holds no private key with a certificate");
  }

  /** The server's own certificate (the first of its chain). */
  public X509Certificate certificate() {
    return certificate;
  }

  /** Where the key and certificate came from, for logs. */
  public String source() {
    return source;
  }

  /** A new Jetty TLS context of this identity: TLS 1.2 and 1.3 only. */
  SslContextFactory.Server contextFactory() {
    SslContextFactory.Server factory = new SslContextFactory.Server();
    factory.setKeyStore(keyStore);
    factory.setKeyStorePassword(new String(password));
    factory.setIncludeProtocols(PROTOCOLS.toArray(new String[0]));
    return factory;
  }

  private static List<X509Certificate> certificates(Path file) {
    Collection<? extends Certificate> read;
    try (InputStream in = Files.newInputStream(file)) {
      read = CertificateFactory.getInstance("X.509").generateCertificates(in);
    } catch (IOException e) {
      throw new ConfigException("cannot read TLS certificate " + file + ": " + e, e);
    } catch (CertificateException e) {
      throw new ConfigException(
          "TLS certificate " + file + " is not a PEM certificate chain: " + e.getMessage(), e);
    }
    if (read.isEmpty()) {
      throw new ConfigException(
          "TLS certificate " + file + " holds no certificate (expected BEGIN CERTIFICATE blocks)");
    }
    return read.stream().map(X509Certificate.class::cast).toList();
  }

  private static PrivateKey privateKey(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new ConfigException("cannot read TLS key " + file + ": " + e, e);
    }
    Matcher block = PEM_BLOCK.matcher(text);
    while (block.find()) {
      String type = block.group(1);
      if (type.equals("PRIVATE KEY")) {
        byte[] der;
        try {
          der = Base64.getMimeDecoder().decode(block.group(2));
        } catch (IllegalArgumentException e) {
          throw new ConfigException("TLS key " + file + " is not valid PEM: " + e.getMessage(), e);
        }
        return pkcs8(file, der);
      }
      if (type.endsWith("PRIVATE KEY")) {
        throw new ConfigException(
            "TLS key "
                + file
                + " is a "
                + type
                + "; the server reads unencrypted PKCS#8 keys (BEGIN PRIVATE KEY): convert it with"
                + " `openssl pkcs8 -topk8 -nocrypt -in "
                + file
                + " -out key.pem`");
      }
    }
    throw new ConfigException(
        "TLS key " + file + " holds no private key (expected a BEGIN PRIVATE KEY block)");
  }

  private static PrivateKey pkcs8(Path file, byte[] der) {
    for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (InvalidKeySpecException | java.security.NoSuchAlgorithmException e) {
        // not this algorithm: try the next
      }
    }
    throw new ConfigException(
        "TLS key " + file + " is not an RSA, EC or Ed25519 key the server can read");
  }

  /** Whether the certificate's public key verifies what the key signs. */
  private static boolean belongTogether(PrivateKey key, X509Certificate certificate) {
    String algorithm =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          default -> key.getAlgorithm();
        };
    try {
      byte[] probe = new byte[32];
      new SecureRandom().nextBytes(probe);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(certificate.getPublicKey());
      verifier.update(probe);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
