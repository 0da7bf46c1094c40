package io.fieldsync.server.http;

import static io.fieldsync.server.Households.batch;
import static io.fieldsync.server.Households.hlc;
import static io.fieldsync.server.Households.insertHousehold;
import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.server.Households;
import io.fieldsync.store.StoreOptions;
import io.fieldsync.testkit.RawHttp;
import io.fieldsync.testkit.TestServer;
import io.fieldsync.wire.Change;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Settings that bound requests, and store failures, answered with the documented status. */
class ServerLimitsTest {
  @TempDir Path dir;
  TestServer server;
  RawHttp http;
  final long t = Households.START_MILLIS;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private void start(TestServer.Builder settings) {
    server = settings.start();
    http = server.raw();
  }

  private PushResponse push(String device, PushRequest request) throws Exception {
    return http.push(server.token(device), request);
  }

  @Test
  void stalledBodyIsARequestTimeout() throws Exception {
    // Regression: answered 500 with a stack trace after Jetty's 30 s idle timeout.
    start(Households.server(dir).configure(config -> config.bodyReadTimeoutMillis(500)));
    try (Socket socket = new Socket("127.0.0.1", server.server().port())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /v1/push HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                  + server.token("d1")
                  + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
                  + "{\"batchId\":\"")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String response = readResponse(socket.getInputStream());
      assertThat(response).startsWith("HTTP/1.1 408 ");
      assertThat(response)
          .endsWith(
              "\r\n\r\n{\"error\":\"request_timeout\",\"message\":\"request body stalled: 12 of"
                  + " 1000 bytes arrived, then nothing for 500 ms\"}\n");
    }
    assertThat(server.server().metrics().errors()).isEqualTo(1);
    // The server still answers normally afterwards.
    assertThat(push("d1", batch("b1", insertHousehold(1, "north", hlc(t)))).getApplied())
        .isEqualTo(1);
  }

  @Test
  void pushOverTheBatchCapIsRefused() throws Exception {
    start(Households.server(dir).configure(config -> config.maxBatchChanges(2)));
    Change[] changes = {
      insertHousehold(1, "north", hlc(t)),
      insertHousehold(2, "north", hlc(t)),
      insertHousehold(3, "north", hlc(t))
    };
    HttpResponse<String> response =
        http.postJson("/v1/push", server.token("d1"), RawHttp.json(batch("b1", changes)));
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body())
        .isEqualTo(
            "{\"error\":\"bad_request\",\"message\":\"push carries 3 changes, more than the"
                + " server's limit of 2 per batch; split it into smaller batches\"}\n");
    assertThat(server.store().currentSequence(TestServer.TENANT)).isZero();
    assertThat(
            push("d1", batch("b2", insertHousehold(1, "north", hlc(t)), changes[1])).getApplied())
        .isEqualTo(2);
  }

  @Test
  void storeFailureThatRetryingCannotFixIsAnInternalError() throws Exception {
    // Regression: every store failure was a 503, so devices retried a broken table forever.
    start(Households.server(dir));
    try (Connection c = server.database().connect();
        Statement statement = c.createStatement()) {
      statement.execute("ALTER TABLE households RENAME COLUMN head_name TO head");
    }
    HttpResponse<String> response =
        http.postJson(
            "/v1/push",
            server.token("d1"),
            RawHttp.json(batch("b1", insertHousehold(1, "north", hlc(t)))));
    assertThat(response.statusCode()).isEqualTo(500);
    assertThat(response.body())
        .isEqualTo(
            "{\"error\":\"internal\",\"message\":\"the store failed in a way retrying will not"
                + " fix; see the server log\"}\n");
  }

  @Test
  void busyStoreIsUnavailable() throws Exception {
    start(Households.server(dir).storeOptions(new StoreOptions(2, 100)));
    try (Connection c = server.database().connect();
        Statement statement = c.createStatement()) {
      statement.execute("BEGIN EXCLUSIVE");
      HttpResponse<String> response =
          http.postJson(
              "/v1/push",
              server.token("d1"),
              RawHttp.json(batch("b1", insertHousehold(1, "north", hlc(t)))));
      assertThat(response.statusCode()).isEqualTo(503);
      assertThat(response.body())
          .isEqualTo(
              "{\"error\":\"unavailable\",\"message\":\"the store is busy or unreachable; retry"
                  + " later\"}\n");
      statement.execute("ROLLBACK");
    }
  }

  /** Reads one HTTP/1.1 response whose body ends the connection or is Content-Length long. */
  private static String readResponse(InputStream in) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int length = -1;
    int headerEnd = -1;
    int next;
    while ((next = in.read()) != -1) {
      bytes.write(next);
      String text = bytes.toString(StandardCharsets.ISO_8859_1);
      if (headerEnd < 0 && text.endsWith("\r\n\r\n")) {
        headerEnd = text.length();
        for (String line : text.split("\r\n")) {
          if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
            length = Integer.parseInt(line.substring(15).trim());
          }
        }
      }
      if (headerEnd >= 0 && length >= 0 && bytes.size() >= headerEnd + length) {
        break;
      }
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
