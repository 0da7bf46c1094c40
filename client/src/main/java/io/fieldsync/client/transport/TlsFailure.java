package io.fieldsync.client.transport;

import java.security.cert.CertPathBuilderException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Why a TLS handshake with the server failed, in words a device's user can act on: the JDK reports
 * an unknown CA as "PKIX path building failed: …SunCertPathBuilderException: unable to find valid
 * certification path to requested target".
 */
final class TlsFailure {
  private TlsFailure() {}

  static String describe(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof SSLPeerUnverifiedException && cause.getMessage() != null) {
        return "the server's certificate is not issued for the host name of the server URL ("
            + hostMismatch(cause.getMessage())
            + ")";
      }
      if (cause instanceof CertificateExpiredException) {
        return "the server's certificate has expired (" + cause.getMessage() + ")";
      }
      if (cause instanceof CertificateNotYetValidException) {
        return "the server's certificate is not valid yet (" + cause.getMessage() + ")";
      }
      if (cause instanceof CertPathBuilderException) {
        return "the server's certificate is not signed by a CA this device trusts; give the"
            + " deployment's CA certificate with `fieldsync client init --ca-file`"
            + " (FieldSyncClient.Builder.caFile)";
      }
      if (cause instanceof CertificateException
          && cause.getMessage() != null
          && (cause.getMessage().startsWith("No subject alternative")
              || cause.getMessage().startsWith("No name matching"))) {
        return "the server's certificate is not issued for the host name of the server URL ("
            + cause.getMessage()
            + ")";
      }
      if (cause.getCause() == cause) {
        break;
      }
    }
    return failure.getMessage() != null ? failure.getMessage() : failure.toString();
  }

  /**
   * The host and the certificate's names from OkHttp's "Hostname h not verified:" message, whose
   * next lines give the certificate's digest, DN and {@code subjectAltNames: [...]}.
   */
  private static String hostMismatch(String message) {
    Matcher host = Pattern.compile("^Hostname (\\S+) not verified").matcher(message);
    Matcher names = Pattern.compile("subjectAltNames: (\\[[^\\]\\n]*\\])").matcher(message);
    if (host.find() && names.find()) {
      return host.group(1) + "; the certificate names " + names.group(1);
    }
    return message.split("\n", 2)[0];
  }
}
