package io.fieldsync.server;

import static io.fieldsync.server.ServerHarness.batch;
import static io.fieldsync.server.ServerHarness.hlc;
import static io.fieldsync.server.ServerHarness.insertHousehold;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code POST /v1/admin/revoke}: an admin refuses a device's tokens; later tokens work again. */
class RevocationTest {
  @TempDir Path dir;
  ServerHarness harness;

  @BeforeEach
  void start() {
    harness = new ServerHarness(dir);
  }

  @AfterEach
  void stop() {
    harness.close();
  }

  private HttpResponse<String> revoke(String token, String body) throws Exception {
    return harness.postJson("/v1/admin/revoke", token, body);
  }

  private int schemaStatus(String token) throws Exception {
    return harness.get("/v1/schema", token).statusCode();
  }

  @Test
  void revokedDeviceIsRefusedEverywhereUntilItGetsANewToken() throws Exception {
    String old = harness.token("d1");
    String other = harness.token("d2");
    assertThat(schemaStatus(old)).isEqualTo(200);

    HttpResponse<String> answer = revoke(harness.adminToken(), "{\"device\":\"d1\"}");
    String upTo = Instant.ofEpochMilli(ServerHarness.START_MILLIS).toString();
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.body())
        .isEqualTo("{\"tenant\":\"acme\",\"device\":\"d1\",\"issued_up_to\":\"" + upTo + "\"}");

    HttpResponse<String> refused = harness.get("/v1/schema", old);
    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(refused.body())
        .isEqualTo(
            "{\"error\":\"unauthorized\",\"message\":\"the tokens of device 'd1' issued up to "
                + upTo
                + " were revoked; get a new token\"}\n");
    String before = harness.snapshot();
    HttpResponse<String> push =
        harness.postJson(
            "/v1/push", old, ServerHarness.json(batch("b1", insertHousehold(1, "north", hlc(1)))));
    assertThat(push.statusCode()).isEqualTo(401);
    assertThat(harness.snapshot()).isEqualTo(before);
    assertThat(schemaStatus(other)).as("another device keeps working").isEqualTo(200);

    harness.wall.addAndGet(1_000);
    assertThat(schemaStatus(harness.token("d1"))).as("a token minted later").isEqualTo(200);
    assertThat(schemaStatus(old)).isEqualTo(401);
  }

  @Test
  void theSameDeviceIdOfAnotherTenantIsNotRevoked() throws Exception {
    assertThat(revoke(harness.adminToken(), "{\"device\":\"d1\"}").statusCode()).isEqualTo(200);
    String otherTenant =
        harness.tokens.mint("globex", "d1", null, null, List.of(), Duration.ofDays(1));
    assertThat(schemaStatus(otherTenant)).isEqualTo(200);
  }

  @Test
  void onlyAnAdminRevokesAndBadBodiesAreRefusedByName() throws Exception {
    HttpResponse<String> forbidden = revoke(harness.token("d2"), "{\"device\":\"d1\"}");
    assertThat(forbidden.statusCode()).isEqualTo(403);
    assertThat(forbidden.body())
        .contains(
            "revoking tokens needs a token with role 'admin'; this token has role 'surveyor'");
    assertThat(revoke(null, "{\"device\":\"d1\"}").statusCode()).isEqualTo(401);

    String admin = harness.adminToken();
    assertThat(revoke(admin, "{\"device\":\"d1\",\"when\":1}").body())
        .contains("unknown field 'when'; expected device");
    assertThat(revoke(admin, "{}").body())
        .contains("revoke needs \\\"device\\\": the device id whose tokens to refuse");
    assertThat(revoke(admin, "[1]").statusCode()).isEqualTo(400);
    assertThat(revoke(admin, "{\"device\":").statusCode()).isEqualTo(400);
    HttpResponse<String> get =
        harness.send(
            HttpRequest.newBuilder(harness.uri("/v1/admin/revoke"))
                .header("Authorization", "Bearer " + admin)
                .GET()
                .build());
    assertThat(get.statusCode()).isEqualTo(405);
    assertThat(schemaStatus(harness.token("d1"))).as("nothing was revoked").isEqualTo(200);
  }
}
