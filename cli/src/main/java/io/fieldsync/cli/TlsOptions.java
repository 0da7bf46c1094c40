package io.fieldsync.cli;

import io.fieldsync.ConfigException;
import io.fieldsync.server.ServerTls;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The server's TLS flags: PEM files or a PKCS#12 keystore, or neither for plain HTTP. */
final class TlsOptions {
  static final String KEYSTORE_PASSWORD_ENV = "FIELDSYNC_TLS_KEYSTORE_PASSWORD";

  @Option(
      names = "--tls-cert",
      paramLabel = "FILE",
      description =
          "TLS certificate chain (PEM, the server's certificate first); with --tls-key the server"
              + " serves HTTPS and WSS only")
  Path certificate;

  @Option(
      names = "--tls-key",
      paramLabel = "FILE",
      description = "Private key of --tls-cert (PEM, unencrypted PKCS#8: BEGIN PRIVATE KEY)")
  Path key;

  @Option(
      names = "--tls-keystore",
      paramLabel = "FILE",
      description = "TLS key and certificate chain in a PKCS#12 keystore, instead of PEM files")
  Path keystore;

  @Option(
      names = "--tls-keystore-password-file",
      paramLabel = "FILE",
      description = "File holding the keystore's password; or env " + KEYSTORE_PASSWORD_ENV)
  Path keystorePasswordFile;

  /**
   * The TLS identity the flags name, or null for plain HTTP.
   *
   * @throws ConfigException when the flags do not fit together or a file is unusable
   */
  ServerTls identity(Secrets secrets) {
    String password =
        secrets.password(
            KEYSTORE_PASSWORD_ENV, "--tls-keystore-password-file", keystorePasswordFile);
    if (keystore != null) {
      if (certificate != null || key != null) {
        throw new ConfigException(
            "give the TLS identity once: --tls-keystore, or --tls-cert with --tls-key");
      }
      return ServerTls.fromPkcs12(
          keystore, password == null ? new char[0] : password.toCharArray());
    }
    if (password != null) {
      throw new ConfigException(
          "a keystore password was given (--tls-keystore-password-file or "
              + KEYSTORE_PASSWORD_ENV
              + ") but no --tls-keystore");
    }
    if (certificate == null && key == null) {
      return null;
    }
    if (certificate == null || key == null) {
      throw new ConfigException(
          "--tls-cert and --tls-key go together; "
              + (certificate == null ? "--tls-cert" : "--tls-key")
              + " is missing");
    }
    return ServerTls.fromPem(certificate, key);
  }
}
