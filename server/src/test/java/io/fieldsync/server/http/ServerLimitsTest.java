package io.fieldsync.server.http;

import static io.fieldsync.server.ServerHarness.batch;
import static io.fieldsync.server.ServerHarness.hlc;
import static io.fieldsync.server.ServerHarness.insertHousehold;
import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.server.ServerHarness;
import io.fieldsync.store.StoreOptions;
import io.fieldsync.wire.Change;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Settings that bound requests, and store failures, answered with the documented status. */
class ServerLimitsTest {
  @TempDir Path dir;
  ServerHarness harness;
  final long t = ServerHarness.START_MILLIS;

  @AfterEach
  void stop() {
    if (harness != null) {
      harness.close();
    }
  }

  @Test
  void stalledBodyIsARequestTimeout() throws Exception {
    // Regression: answered 500 with a stack trace after Jetty's 30 s idle timeout.
    harness = new ServerHarness(dir, config -> config.bodyReadTimeoutMillis(500));
    try (Socket socket = new Socket("127.0.0.1", harness.server.port())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /v1/push HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                  + harness.token("d1")
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
    assertThat(harness.server.metrics().errors()).isEqualTo(1);
    // The server still answers normally afterwards.
    assertThat(harness.push("d1", batch("b1", insertHousehold(1, "north", hlc(t)))).getApplied())
        .isEqualTo(1);
  }

  @Test
  void pushOverTheBatchCapIsRefused() throws Exception {
    harness = new ServerHarness(dir, config -> config.maxBatchChanges(2));
    Change[] changes = {
      insertHousehold(1, "north", hlc(t)),
      insertHousehold(2, "north", hlc(t)),
      insertHousehold(3, "north", hlc(t))
    };
    HttpResponse<String> response =
        harness.postJson("/v1/push", harness.token("d1"), ServerHarness.json(batch("b1", changes)));
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body())
        .isEqualTo(
            "{\"error\":\"bad_request\",\"message\":\"push carries 3 changes, more than the"
                + " server's limit of 2 per batch; split it into smaller batches\"}\n");
    assertThat(harness.store.currentSequence(ServerHarness.TENANT)).isZero();
    assertThat(
            harness
                .push("d1", batch("b2", insertHousehold(1, "north", hlc(t)), changes[1]))
                .getApplied())
        .isEqualTo(2);
  }

  @Test
  void storeFailureThatRetryingCannotFixIsAnInternalError() throws Exception {
    // Regression: every store failure was a 503, so devices retried a broken table forever.
    harness = new ServerHarness(dir);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + harness.dbFile);
        Statement statement = c.createStatement()) {
      statement.execute("ALTER TABLE households RENAME COLUMN head_name TO head");
    }
    HttpResponse<String> response =
        harness.postJson(
            "/v1/push",
            harness.token("d1"),
            ServerHarness.json(batch("b1", insertHousehold(1, "north", hlc(t)))));
    assertThat(response.statusCode()).isEqualTo(500);
    assertThat(response.body())
        .isEqualTo(
            "{\"error\":\"internal\",\"message\":\"the store failed in a way retrying will not"
                + " fix; see the server log\"}\n");
  }

  @Test
  void busyStoreIsUnavailable() throws Exception {
    harness = new ServerHarness(dir, config -> {}, new StoreOptions(2, 100));
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + harness.dbFile);
        Statement statement = c.createStatement()) {
      statement.execute("BEGIN EXCLUSIVE");
      HttpResponse<String> response =
          harness.postJson(
              "/v1/push",
              harness.token("d1"),
              ServerHarness.json(batch("b1", insertHousehold(1, "north", hlc(t)))));
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
