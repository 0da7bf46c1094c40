package io.fieldsync.client.transport;

import java.security.cert.CertPathBuilderException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;

/**
 * Why a TLS handshake with the server failed, in words a device's user can act on: the JDK reports
 * an unknown CA as "PKIX path building failed: …SunCertPathBuilderException: unable to find valid
 * certification path to requested target".
 */
final class TlsFailure {
  private TlsFailure() {}

  static String describe(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
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
}
