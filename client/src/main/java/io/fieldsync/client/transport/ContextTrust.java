package io.fieldsync.client.transport;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.X509TrustManager;

/**
 * The trust manager OkHttp is handed beside an application's {@link javax.net.ssl.SSLContext}:
 * OkHttp wants one with every socket factory, but uses it only to clean certificate chains for
 * certificate pinning, which the transport does not do. The handshake is checked by the context's
 * own trust managers, so this one names no issuer and refuses anything it is asked to check.
 */
final class ContextTrust implements X509TrustManager {

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    throw refused();
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    throw refused();
  }

  private static CertificateException refused() {
    return new CertificateException(
        "the application's TLS context checks certificates; this trust manager checks none");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }
}
