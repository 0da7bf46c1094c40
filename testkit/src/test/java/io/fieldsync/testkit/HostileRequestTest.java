package io.fieldsync.testkit;

import static io.fieldsync.testkit.FieldSurvey.household;
import static io.fieldsync.testkit.FieldSurvey.uuid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.Zstd;
import io.fieldsync.AuthException;
import io.fieldsync.ConfigException;
import io.fieldsync.server.TokenService;
import io.fieldsync.wire.Change;
import io.fieldsync.wire.FieldChange;
import io.fieldsync.wire.Op;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.Values;
import io.fieldsync.wire.WireCodec;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hostile and malformed requests over HTTP leave the server and the devices' databases exactly as
 * they were, and the devices sync normally afterwards. The exact status and message of each refusal
 * is pinned in {@code io.fieldsync.server.http.RefusedRequestTest}; this is the end-to-end angle.
 */
class HostileRequestTest extends EndToEndTest {
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private TestDevice field;
  private TestDevice office;
  private final String h1 = uuid(1);

  @BeforeEach
  void twoDevicesInSyncWithAPendingEdit() {
    field = server.device("tablet-field");
    office = server.device("laptop-office");
    field.sql(household(h1, "north", "Fatou"));
    field.sync();
    office.sync();
    field.sql("UPDATE households SET visit_count = visit_count + 1 WHERE id = '" + h1 + "'");
  }

  @Test
  void malformedAndHostileRequestsChangeNothingAndDevicesSyncAfterwards() throws Exception {
    String token = server.token(field.name());
    byte[] secret = TokenService.loadOrCreateSecret(server.secretFile());
    String expired =
        new TokenService(secret, () -> System.currentTimeMillis() - Duration.ofDays(2).toMillis())
            .mint(TestServer.TENANT, field.name(), null, null, List.of(), Duration.ofHours(1));
    String forged =
        new TokenService("not-the-server-secret-not-the-xx".getBytes(StandardCharsets.US_ASCII))
            .mint(TestServer.TENANT, field.name(), null, "admin", List.of(), Duration.ofHours(1));
    byte[] valid = WireCodec.encode(incrementPush("hostile-1", 1000));
    String before = state();

    List<Refusal> refusals =
        List.of(
            new Refusal(
                "garbage protobuf",
                protobuf(token, Zstd.compress(new byte[] {-1, -1, -1, 1})),
                400,
                "bad_request"),
            new Refusal(
                "truncated zstd",
                protobuf(token, Arrays.copyOf(valid, valid.length - 4)),
                400,
                "bad_request"),
            new Refusal(
                "zstd bomb",
                protobuf(token, Zstd.compress(new byte[17 << 20], 19)),
                413,
                "too_large"),
            new Refusal(
                "oversized body",
                json(token, new String(new char[(16 << 20) + 1]).replace('\0', ' ')),
                413,
                "too_large"),
            new Refusal(
                "unknown JSON field",
                json(token, "{\"batchId\":\"j1\",\"sneaky\":1}"),
                400,
                "bad_request"),
            new Refusal(
                "wrong JSON types",
                json(token, "{\"batchId\":\"j2\",\"changes\":\"all\"}"),
                400,
                "bad_request"),
            new Refusal("missing token", protobuf(null, valid), 401, "unauthorized"),
            new Refusal("forged token", protobuf(forged, valid), 401, "unauthorized"),
            new Refusal("expired token", protobuf(expired, valid), 401, "unauthorized"),
            new Refusal("pull with a forged token", pull(forged), 401, "unauthorized"));
    for (Refusal refusal : refusals) {
      HttpResponse<String> response =
          http.send(refusal.request(), HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode())
          .as(refusal.what() + ": " + response.body())
          .isEqualTo(refusal.status());
      assertThat(response.headers().firstValue("Content-Type"))
          .as(refusal.what())
          .hasValue("application/json; charset=utf-8");
      assertThat(response.body())
          .as(refusal.what())
          .startsWith("{\"error\":\"" + refusal.error() + "\",\"message\":\"")
          .doesNotContain("Exception", "\tat ");
      assertThat(state()).as("server and devices after " + refusal.what()).isEqualTo(before);
    }

    field.sync();
    office.sync();
    Replicas.Snapshot rows = server.assertConverged(field, office);
    assertThat(rows.row("households", h1)).containsEntry("visit_count", 1L);
  }

  @Test
  void aBodyCutShortByTheClientChangesNothing() throws Exception {
    String before = state();
    byte[] body = WireCodec.encode(incrementPush("cut-1", 1000));
    String head =
        "POST /v1/push HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
            + server.token(field.name())
            + "\r\nContent-Type: "
            + WireCodec.PROTOBUF
            + "\r\nContent-Encoding: zstd\r\nContent-Length: "
            + (body.length + 100)
            + "\r\n\r\n";
    String answer;
    try (Socket socket = new Socket(server.uri().getHost(), server.uri().getPort())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      socket.shutdownOutput();
      InputStream in = socket.getInputStream();
      answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    // Regression: the early end of the body surfaced as a 500 "internal" error.
    assertThat(answer)
        .startsWith("HTTP/1.1 400 ")
        .endsWith(
            "\r\n\r\n{\"error\":\"bad_request\",\"message\":\"body ended early: the connection"
                + " closed before the "
                + (body.length + 100)
                + " declared bytes arrived\"}\n");
    assertThat(state()).isEqualTo(before);

    field.sync();
    office.sync();
    assertThat(server.assertConverged(field, office).row("households", h1))
        .containsEntry("visit_count", 1L);
  }

  @Test
  void aDeviceWithAnExpiredTokenKeepsItsOutboxAndSyncsOnceGivenANewOne() throws Exception {
    byte[] secret = TokenService.loadOrCreateSecret(server.secretFile());
    long issued = System.currentTimeMillis() - Duration.ofDays(2).toMillis();
    String expired =
        new TokenService(secret, () -> issued)
            .mint(TestServer.TENANT, field.name(), null, null, List.of(), Duration.ofHours(1));
    field.close();
    String before = state();

    TestDevice stale = server.open(field.name(), builder -> builder.token(expired));
    assertThatThrownBy(stale::sync)
        .isInstanceOf(AuthException.class)
        .hasMessageStartingWith(
            "GET " + server.uri() + "/v1/schema returned 401: token expired at ")
        .hasMessageEndingWith("; get a new one");
    stale.close();
    assertThat(state()).isEqualTo(before);

    TestDevice renewed =
        server.open(field.name(), builder -> builder.token(server.token(field.name())));
    renewed.sync();
    renewed.sync();
    office.sync();
    assertThat(server.assertConverged(renewed, office).row("households", h1))
        .containsEntry("visit_count", 1L);
  }

  @Test
  void aTokenOfAnotherTenantOrDeviceIsRefusedByTheDeviceAndChangesNothing() throws Exception {
    field.close();
    String before = state();
    for (String[] identity :
        new String[][] {{"other-district", field.name()}, {TestServer.TENANT, "tablet-thief"}}) {
      TestDevice wrong =
          server.open(
              field.name(), builder -> builder.token(server.token(identity[0], identity[1])));
      assertThatThrownBy(wrong::sync)
          .isInstanceOf(ConfigException.class)
          .hasMessage(
              "the token is for tenant '"
                  + identity[0]
                  + "', device '"
                  + identity[1]
                  + "', but "
                  + wrong.database()
                  + " belongs to tenant 'acme', device 'tablet-field'; use a token minted for"
                  + " this device");
      wrong.close();
      assertThat(state()).isEqualTo(before);
    }

    // A device of the other tenant sees nothing of this one.
    TestDevice other =
        server.device(
            "tablet-other",
            builder -> builder.token(server.token("other-district", "tablet-other")));
    other.sql(household(uuid(9), "west", "Other"));
    other.sync();
    assertThat(other.snapshot().rows("households")).containsOnlyKeys(uuid(9));
    assertThat(server.snapshot("other-district").toString()).isEqualTo(other.snapshot().toString());
    office.sync();
    assertThat(office.snapshot().rows("households")).containsOnlyKeys(h1);
  }

  private record Refusal(String what, HttpRequest request, int status, String error) {}

  private HttpRequest protobuf(String token, byte[] body) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(server.uri().resolve("/v1/push"))
            .header("Content-Type", WireCodec.PROTOBUF)
            .header("Content-Encoding", "zstd")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return request.build();
  }

  private HttpRequest json(String token, String body) {
    return HttpRequest.newBuilder(server.uri().resolve("/v1/push"))
        .header("Content-Type", "application/json")
        .header("Authorization", "Bearer " + token)
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  private HttpRequest pull(String token) {
    return HttpRequest.newBuilder(server.uri().resolve("/v1/pull"))
        .header("Content-Type", "application/json")
        .header("Authorization", "Bearer " + token)
        .POST(HttpRequest.BodyPublishers.ofString("{\"cursor\":0}"))
        .build();
  }

  /** A valid push that would add {@code delta} to household 1's visit count. */
  private PushRequest incrementPush(String batchId, long delta) {
    long hlc = System.currentTimeMillis() << 16;
    return PushRequest.newBuilder()
        .setBatchId(batchId)
        .setTenant(TestServer.TENANT)
        .addChanges(
            Change.newBuilder()
                .setTable("households")
                .setRecordId(h1)
                .setOp(Op.OP_UPDATE)
                .setHlc(hlc)
                .addFields(
                    FieldChange.newBuilder()
                        .setColumn("visit_count")
                        .setValue(Values.toWire(delta))
                        .setDelta(delta)
                        .setHlc(hlc)))
        .build();
  }

  /** Everything a refused request must leave alone: server rows and counters, device files. */
  private String state() throws Exception {
    StringBuilder text = new StringBuilder();
    text.append("sequence=").append(server.sequence(TestServer.TENANT)).append('\n');
    text.append(server.snapshot());
    try (Connection connection = server.database().connect();
        Statement sql = connection.createStatement()) {
      for (String table : List.of("_fs_journal", "_fs_batches", "_fs_records", "_fs_review")) {
        try (ResultSet rows = sql.executeQuery("SELECT count(*) FROM " + table)) {
          rows.next();
          text.append(table).append('=').append(rows.getLong(1)).append('\n');
        }
      }
    }
    for (TestDevice device : server.devices()) {
      text.append(device.name()).append(":\n").append(device.snapshot());
      text.append(
          device.scalar(
              "SELECT 'cursor=' || cursor || ' capture=' || capture || ' log=' ||"
                  + " (SELECT count(*) FROM _fs_changelog) || ' inflight=' ||"
                  + " (SELECT count(*) FROM _fs_inflight) FROM _fs_state"));
      text.append('\n');
    }
    return text.toString();
  }
}
