package io.fieldsync.server;

import static io.fieldsync.server.Households.batch;
import static io.fieldsync.server.Households.hlc;
import static io.fieldsync.server.Households.insertHousehold;
import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.testkit.RawHttp;
import io.fieldsync.testkit.TestServer;
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
  TestServer server;
  RawHttp http;

  @BeforeEach
  void start() {
    server = Households.server(dir).start();
    http = server.raw();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private HttpResponse<String> revoke(String token, String body) throws Exception {
    return http.postJson("/v1/admin/revoke", token, body);
  }

  private int schemaStatus(String token) throws Exception {
    return http.get("/v1/schema", token).statusCode();
  }

  @Test
  void revokedDeviceIsRefusedEverywhereUntilItGetsANewToken() throws Exception {
    String old = server.token("d1");
    String other = server.token("d2");
    assertThat(schemaStatus(old)).isEqualTo(200);

    HttpResponse<String> answer =
        revoke(server.adminToken(TestServer.TENANT), "{\"device\":\"d1\"}");
    String upTo = Instant.ofEpochMilli(Households.START_MILLIS).toString();
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.body())
        .isEqualTo("{\"tenant\":\"acme\",\"device\":\"d1\",\"issued_up_to\":\"" + upTo + "\"}");

    HttpResponse<String> refused = http.get("/v1/schema", old);
    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(refused.body())
        .isEqualTo(
            "{\"error\":\"unauthorized\",\"message\":\"the tokens of device 'd1' issued up to "
                + upTo
                + " were revoked; get a new token\"}\n");
    String before = Households.counts(server);
    HttpResponse<String> push =
        http.postJson(
            "/v1/push", old, RawHttp.json(batch("b1", insertHousehold(1, "north", hlc(1)))));
    assertThat(push.statusCode()).isEqualTo(401);
    assertThat(Households.counts(server)).isEqualTo(before);
    assertThat(schemaStatus(other)).as("another device keeps working").isEqualTo(200);

    server.clock().advance(Duration.ofSeconds(1));
    assertThat(schemaStatus(server.token("d1"))).as("a token minted later").isEqualTo(200);
    assertThat(schemaStatus(old)).isEqualTo(401);
  }

  @Test
  void theSameDeviceIdOfAnotherTenantIsNotRevoked() throws Exception {
    assertThat(revoke(server.adminToken(TestServer.TENANT), "{\"device\":\"d1\"}").statusCode())
        .isEqualTo(200);
    String otherTenant =
        server.server().tokens().mint("globex", "d1", null, null, List.of(), Duration.ofDays(1));
    assertThat(schemaStatus(otherTenant)).isEqualTo(200);
  }

  @Test
  void onlyAnAdminRevokesAndBadBodiesAreRefusedByName() throws Exception {
    HttpResponse<String> forbidden = revoke(server.token("d2"), "{\"device\":\"d1\"}");
    assertThat(forbidden.statusCode()).isEqualTo(403);
    assertThat(forbidden.body())
        .contains(
            "revoking tokens needs a token with role 'admin'; this token has role 'surveyor'");
    assertThat(revoke(null, "{\"device\":\"d1\"}").statusCode()).isEqualTo(401);

    String admin = server.adminToken(TestServer.TENANT);
    assertThat(revoke(admin, "{\"device\":\"d1\",\"when\":1}").body())
        .contains("unknown field 'when'; expected device");
    assertThat(revoke(admin, "{}").body())
        .contains("revoke needs \\\"device\\\": the device id whose tokens to refuse");
    assertThat(revoke(admin, "[1]").statusCode()).isEqualTo(400);
    assertThat(revoke(admin, "{\"device\":").statusCode()).isEqualTo(400);
    HttpResponse<String> get = http.send(http.request("/v1/admin/revoke", admin).GET());
    assertThat(get.statusCode()).isEqualTo(405);
    assertThat(schemaStatus(server.token("d1"))).as("nothing was revoked").isEqualTo(200);
  }
}
