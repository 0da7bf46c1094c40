package io.fieldsync.live;

import static io.fieldsync.live.LiveSchema.count;
import static io.fieldsync.live.LiveSchema.insertHousehold;
import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.client.SyncWorker;
import io.fieldsync.client.WorkerEvent;
import io.fieldsync.client.transport.CaCertificates;
import io.fieldsync.client.transport.HttpProxy;
import io.fieldsync.server.ServerTls;
import io.fieldsync.testkit.Eventually;
import io.fieldsync.testkit.TestCertificates;
import io.fieldsync.testkit.TestDevice;
import io.fieldsync.testkit.TestServer;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A device given a proxy sends its sync requests and holds its live channel through it. The device
 * knows the server only by a name that does not resolve ({@code fieldsync.test}), which the test
 * proxy maps to 127.0.0.1: every request that arrives went through the proxy.
 */
class ProxyTest {
  private static final String NAME = "fieldsync.test";

  @TempDir Path dir;
  private TestServer server;
  private TestProxy proxy;

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
    if (proxy != null) {
      proxy.close();
    }
  }

  private void start(ServerTls tls) throws Exception {
    server =
        TestServer.builder(dir)
            .schema(LiveSchema.YAML)
            .configure(
                config -> {
                  config.purgeIntervalMillis(0);
                  if (tls != null) {
                    config.tls(tls);
                  }
                })
            .start();
    proxy = TestProxy.start();
  }

  private URI byName(String scheme) {
    return URI.create(scheme + "://" + NAME + ":" + server.server().port());
  }

  @Test
  void plainHttpRequestsAndTheLiveChannelGoThroughTheProxy() throws Exception {
    start(null);
    String origin = byName("http").toString();
    TestDevice proxied =
        server.device(
            "a", 0, builder -> builder.server(byName("http")).proxy("127.0.0.1", proxy.port()));
    TestDevice direct = server.device("b");

    insertHousehold(proxied, 1, "Ada");
    assertThat(proxied.sync().pushed()).isEqualTo(1);
    assertThat(direct.sync().pulled()).isEqualTo(1);

    SyncWorker worker = proxied.client().startWorker();
    WorkerEvents events = new WorkerEvents();
    worker.addListener(events.all::add);
    Eventually.until("a's live channel", () -> worker.status().live(), () -> "" + events.all);
    insertHousehold(direct, 2, "Bo");
    direct.sync();
    Eventually.until("the household on a", () -> count(proxied, "households") == 2);

    assertThat(events.has(WorkerEvent.Poked.class)).isTrue();
    assertThat(proxy.requestLines())
        .contains(
            "GET " + origin + "/v1/schema HTTP/1.1",
            "POST " + origin + "/v1/push HTTP/1.1",
            "POST " + origin + "/v1/pull HTTP/1.1",
            "GET " + origin + "/v1/live HTTP/1.1")
        .allMatch(line -> line.contains(" " + origin + "/v1/"));
  }

  @Test
  void httpsGoesThroughAConnectTunnelWithTheApplicationsSslContext() throws Exception {
    TestCertificates ca = TestCertificates.authority("fieldsync test CA");
    TestCertificates.Issued issued = ca.issue(List.of(NAME), Duration.ofDays(1));
    start(
        ServerTls.fromPem(
            issued.writeChain(dir.resolve("chain.pem")), issued.writeKey(dir.resolve("key.pem"))));
    SSLContext trusting =
        CaCertificates.read(ca.writeCertificate(dir.resolve("ca.pem"))).sslContext();
    TestDevice proxied =
        server.device(
            "a",
            0,
            builder ->
                builder
                    .server(byName("https"))
                    .sslContext(trusting)
                    .proxy(HttpProxy.at("127.0.0.1", proxy.port())));

    insertHousehold(proxied, 1, "Ada");

    assertThat(proxied.sync().pushed()).isEqualTo(1);
    assertThat(server.snapshot().rows("households")).hasSize(1);
    // The proxy sees where the tunnels go and nothing inside them, the token included.
    assertThat(proxy.requestLines())
        .isNotEmpty()
        .allMatch(
            line -> line.equals("CONNECT " + NAME + ":" + server.server().port() + " HTTP/1.1"));
  }
}
