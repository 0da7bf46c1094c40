package io.fieldsync.live;

import static io.fieldsync.live.LiveSchema.count;
import static io.fieldsync.live.LiveSchema.insertHousehold;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.TransportException;
import io.fieldsync.client.SyncWorker;
import io.fieldsync.client.WorkerEvent;
import io.fieldsync.client.transport.CaCertificates;
import io.fieldsync.client.transport.HttpTransport;
import io.fieldsync.server.ServerTls;
import io.fieldsync.testkit.Eventually;
import io.fieldsync.testkit.SeededTest;
import io.fieldsync.testkit.TestCertificates;
import io.fieldsync.testkit.TestDevice;
import io.fieldsync.testkit.TestServer;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server with a TLS identity serves HTTPS and WSS only; devices trust the system's CAs plus the
 * deployment's CA, and a certificate they cannot trust is refused with the reason in words.
 */
class TlsTest {
  private static final List<String> LOOPBACK = List.of("localhost", "127.0.0.1");

  @TempDir Path dir;
  private final TestCertificates ca = TestCertificates.authority("fieldsync test CA");
  private TestServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private TestServer start(ServerTls tls) {
    server =
        TestServer.builder(dir)
            .schema(LiveSchema.YAML)
            .configure(config -> config.purgeIntervalMillis(0).tls(tls))
            .start();
    return server;
  }

  private ServerTls pem(TestCertificates.Issued issued) {
    return ServerTls.fromPem(
        issued.writeChain(dir.resolve("chain.pem")), issued.writeKey(dir.resolve("key.pem")));
  }

  private Path caFile() {
    return ca.writeCertificate(dir.resolve("ca.pem"));
  }

  @SeededTest(seeds = SyncWorkerTest.SEED)
  void devicesTrustingTheCaSyncOverHttpsAndHearPokesOverWss(long seed) throws Exception {
    start(pem(ca.issue(LOOPBACK, Duration.ofDays(1))));
    assertThat(server.uri().getScheme()).isEqualTo("https");
    Path caFile = caFile();
    TestDevice a = server.device("a", 0, builder -> builder.caFile(caFile));
    // b is initialised with the CA, then opened again without it: the stored CA is trusted.
    TestDevice b =
        server.reopen(
            server.device("b", 0, builder -> builder.caFile(caFile)), SyncWorkerTest.options(seed));

    insertHousehold(a, 1, "Ada");
    assertThat(a.sync().pushed()).isEqualTo(1);
    assertThat(b.sync().pulled()).isEqualTo(1);

    SyncWorker worker = b.client().startWorker();
    WorkerEvents events = new WorkerEvents();
    worker.addListener(events.all::add);
    Eventually.until(
        "b's live channel over wss", () -> worker.status().live(), () -> "" + events.all);
    assertThat(server.server().liveDevices()).isEqualTo(1);
    insertHousehold(a, 2, "Bo");
    a.sync();
    Eventually.until("the household on b", () -> count(b, "households") == 2);
    assertThat(events.has(WorkerEvent.Poked.class)).isTrue();
  }

  @Test
  void aPkcs12KeystoreServesTheSameAsPemFiles() {
    TestCertificates.Issued issued = ca.issue(LOOPBACK, Duration.ofDays(1));
    start(
        ServerTls.fromPkcs12(
            issued.writePkcs12(dir.resolve("server.p12"), "changeit"), "changeit".toCharArray()));
    TestDevice a = server.device("a", 0, builder -> builder.caFile(caFile()));

    insertHousehold(a, 1, "Ada");

    assertThat(a.sync().applied()).isEqualTo(1);
    assertThat(server.snapshot().rows("households")).hasSize(1);
  }

  @Test
  void anApplicationsOwnSslContextOrHttpClientIsUsed() {
    start(pem(ca.issue(LOOPBACK, Duration.ofDays(1))));
    CaCertificates cas = CaCertificates.read(caFile());
    SSLContext trusting = cas.sslContext();
    TestDevice a = server.device("a", 0, builder -> builder.sslContext(trusting));
    OkHttpClient appClient =
        new OkHttpClient.Builder()
            .sslSocketFactory(trusting.getSocketFactory(), cas.trustManager())
            .build();
    TestDevice b = server.device("b", 0, builder -> builder.httpClient(appClient));

    insertHousehold(a, 1, "Ada");
    a.sync();

    assertThat(b.sync().pulled()).isEqualTo(1);
  }

  @Test
  void aCertificateOfAnUnknownCaIsRefusedSayingWhichCaFileToGive() {
    start(pem(TestCertificates.authority("another CA").issue(LOOPBACK, Duration.ofDays(1))));

    assertThatThrownBy(() -> server.device("a", 0, builder -> builder.caFile(caFile())))
        .isInstanceOf(TransportException.class)
        .hasMessage(
            "GET "
                + server.uri()
                + "/v1/schema failed: TLS failed: the server's certificate is not signed by a CA"
                + " this device trusts; give the deployment's CA certificate with `fieldsync client"
                + " init --ca-file` (FieldSyncClient.Builder.caFile)");
  }

  @Test
  void aCertificateForAnotherHostIsRefused() {
    start(pem(ca.issue(List.of("sync.example.org"), Duration.ofDays(1))));

    assertThatThrownBy(() -> server.device("a", 0, builder -> builder.caFile(caFile())))
        .isInstanceOf(TransportException.class)
        .hasMessage(
            "GET "
                + server.uri()
                + "/v1/schema failed: TLS failed: the server's certificate is not issued for the"
                + " host name of the server URL (127.0.0.1; the certificate names"
                + " [sync.example.org])");
  }

  @Test
  void anExpiredCertificateIsRefused() {
    Instant now = Instant.now();
    start(pem(ca.issue(LOOPBACK, now.minus(Duration.ofDays(30)), now.minus(Duration.ofDays(1)))));

    assertThatThrownBy(() -> server.device("a", 0, builder -> builder.caFile(caFile())))
        .isInstanceOf(TransportException.class)
        .hasMessageStartingWith(
            "GET "
                + server.uri()
                + "/v1/schema failed: TLS failed: the server's certificate has expired (NotAfter: ");
  }

  @Test
  void theTlsPortSpeaksNoPlainHttpAndNegotiatesTls12And13() throws Exception {
    start(pem(ca.issue(LOOPBACK, Duration.ofDays(1))));
    URI plain = URI.create("http://127.0.0.1:" + server.server().port());

    assertThatThrownBy(
            () ->
                new HttpTransport(plain, "tok", Duration.ofSeconds(10), Duration.ofSeconds(10))
                    .schema())
        .isInstanceOf(TransportException.class);

    SSLContext trusting = CaCertificates.read(caFile()).sslContext();
    for (String protocol : List.of("TLSv1.2", "TLSv1.3")) {
      try (SSLSocket socket =
          (SSLSocket)
              trusting.getSocketFactory().createSocket("127.0.0.1", server.server().port())) {
        socket.setEnabledProtocols(new String[] {protocol});
        socket.startHandshake();
        assertThat(socket.getSession().getProtocol()).isEqualTo(protocol);
      }
    }
  }
}
