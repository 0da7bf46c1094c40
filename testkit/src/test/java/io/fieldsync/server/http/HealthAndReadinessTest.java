package io.fieldsync.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.SchemaLoader;
import io.fieldsync.server.Households;
import io.fieldsync.server.ServerConfig;
import io.fieldsync.server.SyncServer;
import io.fieldsync.store.StoreOptions;
import io.fieldsync.store.SyncStore;
import io.fieldsync.store.SyncStores;
import io.fieldsync.testkit.PrometheusText;
import io.fieldsync.testkit.PrometheusText.Sample;
import io.fieldsync.testkit.RawHttp;
import io.fieldsync.testkit.TestServer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /v1/health} answers while the process runs; {@code /v1/ready} answers 200 only while the
 * store does, and 503 with the reason when it does not (its PostgreSQL stopped). On PostgreSQL, the
 * connection pool's metrics reach {@code /metrics}.
 */
class HealthAndReadinessTest {
  @TempDir Path dir;

  @Test
  void healthAndReadyAnswerOkWhileTheStoreAnswers() throws Exception {
    try (TestServer server = Households.server(dir).start()) {
      RawHttp http = server.raw();
      HttpResponse<String> health = http.get("/v1/health", null);
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(health.body()).isEqualTo("{\"status\":\"ok\"}");
      HttpResponse<String> ready = http.get("/v1/ready", null);
      assertThat(ready.statusCode()).isEqualTo(200);
      assertThat(ready.body()).isEqualTo("{\"status\":\"ready\"}");
    }
  }

  @Test
  void readyIsUnavailableWithTheReasonWhilePostgresIsDownAndHealthStaysUp() throws Exception {
    // A PostgreSQL of this test's own: the JVM's shared one must keep running for the others.
    EmbeddedPostgres postgres =
        EmbeddedPostgres.builder().setPGStartupWait(Duration.ofSeconds(60)).start();
    SyncStore store = null;
    SyncServer server = null;
    try {
      store =
          SyncStores.open(
              "postgresql://localhost:" + postgres.getPort() + "/postgres?user=postgres",
              new StoreOptions(2, 500));
      Schema schema = SchemaLoader.parse(Households.SCHEMA);
      server =
          SyncServer.start(
              ServerConfig.builder(store, schema, "x".repeat(32).getBytes(StandardCharsets.UTF_8))
                  .port(0)
                  .build());
      HttpClient http = HttpClient.newHttpClient();
      URI base = server.uri();
      assertThat(get(http, base, "/v1/ready").statusCode()).isEqualTo(200);
      // The pool's own Micrometer binding reaches /metrics: its size, and the waits for it.
      List<Sample> samples = PrometheusText.parse(get(http, base, "/metrics").body(), dir);
      assertThat(
              samples.stream()
                  .filter(sample -> sample.name().equals("hikaricp_connections_max"))
                  .map(Sample::value))
          .containsExactly(2.0);
      assertThat(samples)
          .extracting(Sample::name)
          .contains("hikaricp_connections_pending", "hikaricp_connections_acquire_seconds_count");

      postgres.close();

      HttpResponse<String> ready = get(http, base, "/v1/ready");
      assertThat(ready.statusCode()).isEqualTo(503);
      JsonObject body = JsonParser.parseString(ready.body()).getAsJsonObject();
      assertThat(body.get("status").getAsString()).isEqualTo("unavailable");
      assertThat(body.get("error").getAsString()).isEqualTo("unavailable");
      assertThat(body.get("message").getAsString()).startsWith("the postgresql store ");
      assertThat(get(http, base, "/v1/health").statusCode()).isEqualTo(200);
    } finally {
      if (server != null) {
        server.close();
      }
      if (store != null) {
        store.close();
      }
      postgres.close();
    }
  }

  private static HttpResponse<String> get(HttpClient http, URI base, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
