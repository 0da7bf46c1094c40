package io.fieldsync.server.http;

import static io.fieldsync.server.Households.batch;
import static io.fieldsync.server.Households.field;
import static io.fieldsync.server.Households.hlc;
import static io.fieldsync.server.Households.insertHousehold;
import static io.fieldsync.server.Households.update;
import static io.fieldsync.server.Households.uuid;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.luben.zstd.Zstd;
import com.google.protobuf.UnknownFieldSet;
import io.fieldsync.server.Households;
import io.fieldsync.server.TokenService;
import io.fieldsync.testkit.RawHttp;
import io.fieldsync.testkit.TestServer;
import io.fieldsync.wire.Change;
import io.fieldsync.wire.ChangeStatus;
import io.fieldsync.wire.Op;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import io.fieldsync.wire.WireCodec;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every refused request gets the documented status and JSON error, and changes nothing. */
class RefusedRequestTest {
  @TempDir Path dir;
  TestServer server;
  RawHttp http;
  String before;
  final long t = Households.START_MILLIS;

  @BeforeEach
  void start() throws Exception {
    server = Households.server(dir).start();
    http = server.raw();
    push("d1", batch("seed", insertHousehold(1, "north", hlc(t))));
    before = Households.counts(server);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private PushResponse push(String device, PushRequest request) throws Exception {
    return http.push(server.token(device), request);
  }

  private void assertRefused(
      HttpResponse<String> response, int status, String error, String message) throws Exception {
    assertThat(response.statusCode()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValue("application/json; charset=utf-8");
    assertThat(response.body())
        .isEqualTo(
            "{\"error\":\""
                + error
                + "\",\"message\":\""
                + message.replace("\"", "\\\"")
                + "\"}\n");
    assertThat(Households.counts(server)).isEqualTo(before);
  }

  private HttpResponse<String> pushProtobuf(byte[] body) throws Exception {
    return http.post("/v1/push", server.token("d1"), WireCodec.PROTOBUF, body);
  }

  @Test
  void garbageProtobufIsABadRequest() throws Exception {
    byte[] garbage = Zstd.compress(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x01, 0x02});
    HttpResponse<String> response = pushProtobuf(garbage);
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body())
        .startsWith(
            "{\"error\":\"bad_request\",\"message\":\"body is not a valid protobuf message (5 bytes): ");
    assertThat(Households.counts(server)).isEqualTo(before);
  }

  @Test
  void bodyWithoutZstdIsABadRequest() throws Exception {
    assertRefused(
        pushProtobuf(new byte[] {1, 2, 3, 4, 5, 6}),
        400,
        "bad_request",
        "body is not zstd-compressed (6 bytes); send Content-Encoding: zstd");
  }

  @Test
  void truncatedZstdIsABadRequest() throws Exception {
    byte[] whole = WireCodec.encode(batch("b1", insertHousehold(2, "north", hlc(t))));
    byte[] cut = Arrays.copyOf(whole, whole.length - 5);
    HttpResponse<String> response = pushProtobuf(cut);
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body())
        .startsWith(
            "{\"error\":\"bad_request\",\"message\":\"zstd body is truncated or corrupt ("
                + cut.length
                + " bytes): ");
    assertThat(Households.counts(server)).isEqualTo(before);
  }

  @Test
  void zstdBombOverTheLimitIsTooLarge() throws Exception {
    byte[] bomb = Zstd.compress(new byte[17 * 1024 * 1024], 19);
    assertThat(bomb.length).isLessThan(10_000);
    assertRefused(
        pushProtobuf(bomb),
        413,
        "too_large",
        "decompressed body exceeds the limit of 16777216 bytes");
  }

  @Test
  void rawBodyOverTheLimitIsTooLarge() throws Exception {
    byte[] big = new byte[16 * 1024 * 1024 + 1];
    assertRefused(
        http.post("/v1/push", server.token("d1"), "application/json", big),
        413,
        "too_large",
        "body of 16777217 bytes exceeds the limit of 16777216 bytes");
  }

  @Test
  void binaryUnknownFieldsAreRefused() throws Exception {
    PushRequest request = batch("b1", insertHousehold(2, "north", hlc(t)));
    Change change =
        request.getChanges(0).toBuilder()
            .setUnknownFields(
                UnknownFieldSet.newBuilder()
                    .addField(99, UnknownFieldSet.Field.newBuilder().addVarint(7).build())
                    .build())
            .build();
    byte[] body = WireCodec.encode(request.toBuilder().setChanges(0, change).build());
    assertRefused(
        pushProtobuf(body),
        400,
        "bad_request",
        "unknown field number(s) [99] in PushRequest.changes[0]; the device and server disagree about the protocol");
  }

  @Test
  void binaryUnknownFieldsDeepInsideAValueAreRefused() throws Exception {
    PushRequest request = batch("b1", insertHousehold(2, "north", hlc(t)));
    Change change = request.getChanges(0);
    Change sneaky =
        change.toBuilder()
            .setFields(
                1,
                change.getFields(1).toBuilder()
                    .setValue(
                        change.getFields(1).getValue().toBuilder()
                            .setUnknownFields(
                                UnknownFieldSet.newBuilder()
                                    .addField(
                                        42, UnknownFieldSet.Field.newBuilder().addVarint(1).build())
                                    .build())))
            .build();
    byte[] body = WireCodec.encode(request.toBuilder().setChanges(0, sneaky).build());
    assertRefused(
        pushProtobuf(body),
        400,
        "bad_request",
        "unknown field number(s) [42] in PushRequest.changes[0].fields[1].value; the device and"
            + " server disagree about the protocol");
  }

  @Test
  void jsonWithAnUnknownFieldIsRefused() throws Exception {
    HttpResponse<String> response =
        http.postJson("/v1/push", server.token("d1"), "{\"batchId\":\"b1\",\"sneaky\":1}");
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body())
        .startsWith(
            "{\"error\":\"bad_request\",\"message\":\"body is not a valid JSON PushRequest (")
        .contains("sneaky");
    assertThat(Households.counts(server)).isEqualTo(before);
  }

  @Test
  void jsonWithWrongTypesIsRefused() throws Exception {
    HttpResponse<String> response =
        http.postJson("/v1/push", server.token("d1"), "{\"batchId\":\"b1\",\"changes\":\"many\"}");
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body())
        .startsWith(
            "{\"error\":\"bad_request\",\"message\":\"body is not a valid JSON PushRequest (");
    assertThat(Households.counts(server)).isEqualTo(before);
  }

  @Test
  void malformedJsonIsRefused() throws Exception {
    HttpResponse<String> response = http.postJson("/v1/push", server.token("d1"), "{\"batchId\":");
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body())
        .startsWith(
            "{\"error\":\"bad_request\",\"message\":\"body is not a valid JSON PushRequest (");
    assertThat(Households.counts(server)).isEqualTo(before);
  }

  @Test
  void pushWithoutBatchIdIsRefused() throws Exception {
    assertRefused(
        http.postJson(
            "/v1/push",
            server.token("d1"),
            RawHttp.json(batch("", insertHousehold(2, "north", hlc(t))))),
        400,
        "bad_request",
        "push needs a batch_id: any text unique per device batch, reused on retry");
  }

  @Test
  void negativeCursorIsRefused() throws Exception {
    assertRefused(
        http.postJson("/v1/pull", server.token("d1"), "{\"cursor\":\"-1\"}"),
        400,
        "bad_request",
        "cursor must not be negative, found -1");
  }

  @Test
  void sinceAboveTheCursorIsRefused() throws Exception {
    assertRefused(
        http.postJson("/v1/pull", server.token("d1"), "{\"cursor\":\"1\",\"since\":\"2\"}"),
        400,
        "bad_request",
        "since must be between 0 and the cursor 1, found 2");
  }

  @Test
  void negativeSinceIsRefused() throws Exception {
    assertRefused(
        http.postJson("/v1/pull", server.token("d1"), "{\"cursor\":\"1\",\"since\":\"-1\"}"),
        400,
        "bad_request",
        "since must be between 0 and the cursor 1, found -1");
    assertRefused(
        http.postJson("/v1/pull", server.token("d1"), "{\"since\":\"-3\"}"),
        400,
        "bad_request",
        "since must be between 0 and the cursor 0, found -3");
  }

  @Test
  void cursorAheadOfTheSequenceRequiresAResync() throws Exception {
    // Regression: was accepted with next_cursor 999999, so the device skipped every change.
    assertRefused(
        http.postJson("/v1/pull", server.token("d1"), "{\"cursor\":\"999999\"}"),
        410,
        "resync_required",
        "cursor 999999 is ahead of the server's sequence 1: the server was restored from an older"
            + " backup or the device synced with another server; resync the device (take a"
            + " snapshot)");
  }

  @Test
  void schemaVersionNewerThanTheServersIsRefused() throws Exception {
    assertRefused(
        http.postJson(
            "/v1/push",
            server.token("d1"),
            RawHttp.json(
                batch("b1", insertHousehold(2, "north", hlc(t))).toBuilder()
                    .setSchemaVersion(4)
                    .build())),
        400,
        "bad_request",
        "push schema_version 4 is newer than the server's schema version 3; the device's schema"
            + " came from another server or a newer schema file");
    assertRefused(
        http.postJson("/v1/pull", server.token("d1"), "{\"schemaVersion\":7}"),
        400,
        "bad_request",
        "pull schema_version 7 is newer than the server's schema version 3; the device's schema"
            + " came from another server or a newer schema file");
  }

  @Test
  void currentOlderAndUnspecifiedSchemaVersionsAreAccepted() throws Exception {
    for (int version : new int[] {0, 1, 3}) {
      HttpResponse<String> response =
          http.postJson("/v1/pull", server.token("d1"), "{\"schemaVersion\":" + version + "}");
      assertThat(response.statusCode()).as("schema_version " + version).isEqualTo(200);
    }
    PushResponse pushed =
        push(
            "d1",
            batch("b1", insertHousehold(2, "north", hlc(t))).toBuilder()
                .setSchemaVersion(2)
                .build());
    assertThat(pushed.getApplied()).isEqualTo(1);
  }

  @Test
  void negativeSnapshotSequenceIsRefused() throws Exception {
    assertRefused(
        http.postJson(
            "/v1/pull", server.token("d1"), "{\"snapshot\":true,\"snapshotSequence\":\"-5\"}"),
        400,
        "bad_request",
        "snapshot_sequence must not be negative, found -5");
  }

  @Test
  void reviewAllTakesOnlyTrueOrFalse() throws Exception {
    assertRefused(
        http.get("/v1/review?all=maybe", server.adminToken(TestServer.TENANT)),
        400,
        "bad_request",
        "query parameter 'all' must be true or false, found 'maybe'");
    assertThat(http.get("/v1/review?all=false", server.adminToken(TestServer.TENANT)).statusCode())
        .isEqualTo(200);
    assertThat(http.get("/v1/review?all=true", server.adminToken(TestServer.TENANT)).statusCode())
        .isEqualTo(200);
  }

  @Test
  void jsonBodyMarkedZstdGetsAMessageAboutTheHeader() throws Exception {
    HttpResponse<String> response =
        http.send(
            http.request("/v1/pull", server.token("d1"))
                .header("Content-Type", "application/json")
                .header("Content-Encoding", "zstd")
                .POST(HttpRequest.BodyPublishers.ofString("{\"cursor\":\"0\"}")));
    assertRefused(
        response,
        400,
        "bad_request",
        "the request says Content-Encoding: zstd but the JSON body (14 bytes) is not"
            + " zstd-compressed; send it without Content-Encoding, or compress it with zstd");
  }

  @Test
  void malformedJsonMessagesNameNoJavaClasses() throws Exception {
    for (String body : List.of("{\"batchId\":", "{\"batchId\" 1}", "[1,", "{\"changes\":[{]}")) {
      HttpResponse<String> response = http.postJson("/v1/push", server.token("d1"), body);
      assertThat(response.statusCode()).as(body).isEqualTo(400);
      assertThat(response.body())
          .as(body)
          .doesNotContainPattern("[a-z]+\\.[a-z]+\\.[A-Za-z.]*[A-Z]")
          .doesNotContain("Exception")
          .doesNotContain("See https://");
    }
  }

  @Test
  void malformedReviewResolutionNamesNoJavaClasses() throws Exception {
    HttpResponse<String> response =
        http.postJson(
            "/v1/review/1/resolve", server.adminToken(TestServer.TENANT), "{\"action\": ]");
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body())
        .startsWith("{\"error\":\"bad_request\",\"message\":\"body is not valid JSON: ")
        .doesNotContain("Exception")
        .doesNotContain("com.google");
  }

  @Test
  void wrongContentTypeIsUnsupported() throws Exception {
    assertRefused(
        http.post(
            "/v1/push", server.token("d1"), "text/plain", "hi".getBytes(StandardCharsets.UTF_8)),
        415,
        "unsupported_media_type",
        "Content-Type 'text/plain' is not supported; send application/x-protobuf (with Content-Encoding: zstd) or application/json");
  }

  @Test
  void unknownContentEncodingIsUnsupported() throws Exception {
    HttpResponse<String> response =
        http.send(
            http.request("/v1/push", server.token("d1"))
                .header("Content-Type", "application/json")
                .header("Content-Encoding", "gzip")
                .POST(HttpRequest.BodyPublishers.ofString("{}")));
    assertRefused(
        response,
        415,
        "unsupported_media_type",
        "Content-Encoding 'gzip' is not supported; send zstd or nothing");
  }

  @Test
  void missingTokenIsUnauthorized() throws Exception {
    assertRefused(
        http.postJson(
            "/v1/push", null, RawHttp.json(batch("b1", insertHousehold(2, "north", hlc(t))))),
        401,
        "unauthorized",
        "missing bearer token; send Authorization: Bearer <token>");
  }

  @Test
  void forgedTokenIsUnauthorized() throws Exception {
    String forged =
        new TokenService(
                "another-secret-another-secret-xx".getBytes(StandardCharsets.US_ASCII),
                server.clock())
            .mint("acme", "d1", null, "admin", List.of(), Duration.ofDays(1));
    assertRefused(
        http.postJson(
            "/v1/push", forged, RawHttp.json(batch("b1", insertHousehold(2, "north", hlc(t))))),
        401,
        "unauthorized",
        "token signature is invalid (not signed by this server)");
  }

  @Test
  void malformedTokenIsUnauthorized() throws Exception {
    assertRefused(
        http.postJson("/v1/pull", "not.a.jwt", "{}"),
        401,
        "unauthorized",
        "token is malformed: not a signed JWT");
  }

  @Test
  void expiredTokenIsUnauthorized() throws Exception {
    String token =
        server.server().tokens().mint("acme", "d1", null, null, List.of(), Duration.ofMinutes(5));
    server.clock().advance(Duration.ofMinutes(10));
    assertRefused(
        http.postJson(
            "/v1/push", token, RawHttp.json(batch("b1", insertHousehold(2, "north", hlc(t))))),
        401,
        "unauthorized",
        "token expired at "
            + java.time.Instant.ofEpochMilli(t).plusSeconds(300)
            + "; get a new one");
  }

  @Test
  void unknownPathAndWrongMethod() throws Exception {
    assertRefused(
        http.get("/v2/push", server.token("d1")),
        404,
        "not_found",
        "no such path /v2/push; the API has GET /v1/health, GET /v1/ready, GET /metrics, GET"
            + " /v1/schema, POST /v1/push, POST /v1/pull, GET /v1/live (WebSocket), POST"
            + " /v1/verify, POST /v1/records, GET /v1/review, POST /v1/review/{id}/resolve, POST"
            + " /v1/admin/revoke, GET /v1/admin/devices, GET /v1/admin/overview, GET"
            + " /v1/admin/records/{table}/{id}/history and the console at GET /admin");
    assertRefused(
        http.get("/v1/push", server.token("d1")),
        405,
        "method_not_allowed",
        "method GET is not allowed here; use POST");
  }

  @Test
  void invalidChangesAreRejectedWithReasonsAndTheRestApplies() throws Exception {
    Change unknownColumn =
        insertHousehold(2, "north", hlc(t)).toBuilder()
            .addFields(field("colour", "red", hlc(t)))
            .build();
    Change wrongType =
        insertHousehold(3, "north", hlc(t)).toBuilder()
            .setFields(2, field("visits", "many", hlc(t)))
            .build();
    Change missingRequired =
        Change.newBuilder()
            .setTable("households")
            .setRecordId(uuid(4))
            .setOp(Op.OP_INSERT)
            .setHlc(hlc(t))
            .addFields(field("head_name", "Ada", hlc(t)))
            .build();
    Change badId =
        insertHousehold(5, "north", hlc(t)).toBuilder().setRecordId("not-a-uuid").build();
    Change unknownTable = insertHousehold(6, "north", hlc(t)).toBuilder().setTable("farms").build();
    Change nullRequired =
        update("households", uuid(1), 1, hlc(t + 1), field("region", null, hlc(t + 1)));
    Change good = insertHousehold(7, "south", hlc(t));
    PushResponse response =
        push(
            "d1",
            batch(
                "b1",
                unknownColumn,
                wrongType,
                missingRequired,
                badId,
                unknownTable,
                nullRequired,
                good));
    assertThat(response.getRejected()).isEqualTo(6);
    assertThat(response.getApplied()).isEqualTo(1);
    assertThat(response.getResultsList())
        .extracting(r -> r.getReason())
        .containsExactly(
            "table 'households', record '"
                + uuid(2)
                + "', column 'colour': no such column; the table has [id, region, head_name, visits, tags, notes, status, seen_at, temperature]",
            "table 'households', record '"
                + uuid(3)
                + "', column 'visits': expected integer, found text 'many'",
            "table 'households', record '"
                + uuid(4)
                + "', column 'region': required, but the insert has no value",
            "table 'households', record 'not-a-uuid', column 'id': bad record id: expected uuid, found text 'not-a-uuid'",
            "unknown table 'farms'; the schema (v3) has [households, visits]",
            "table 'households', record '"
                + uuid(1)
                + "', column 'region': required, but the change sets it to null");
    assertThat(response.getResults(0).getStatus()).isEqualTo(ChangeStatus.REJECTED);
    assertThat(response.getResults(0).getServerRecord().getAbsent()).isTrue();
    assertThat(response.getResults(5).getServerRecord().getFieldsList()).isNotEmpty();
    assertThat(response.getSequence()).isEqualTo(2);
  }

  @Test
  void tenantMismatchRejectsEveryChange() throws Exception {
    PushRequest request =
        batch("b1", insertHousehold(2, "north", hlc(t)), insertHousehold(3, "north", hlc(t)))
            .toBuilder()
            .setTenant("globex")
            .build();
    PushResponse response = push("d1", request);
    assertThat(response.getRejected()).isEqualTo(2);
    assertThat(response.getResultsList())
        .allSatisfy(
            result ->
                assertThat(result.getReason())
                    .isEqualTo(
                        "tenant mismatch: the push names tenant 'globex' but the token is for tenant 'acme'"));
    assertThat(response.getSequence()).isEqualTo(1);
  }
}
