package io.fieldsync.server;

import static io.fieldsync.server.Households.batch;
import static io.fieldsync.server.Households.delete;
import static io.fieldsync.server.Households.field;
import static io.fieldsync.server.Households.hlc;
import static io.fieldsync.server.Households.insertHousehold;
import static io.fieldsync.server.Households.insertVisit;
import static io.fieldsync.server.Households.update;
import static io.fieldsync.server.Households.uuid;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.util.JsonFormat;
import io.fieldsync.clock.Hlc;
import io.fieldsync.testkit.RawHttp;
import io.fieldsync.testkit.TestServer;
import io.fieldsync.wire.Change;
import io.fieldsync.wire.ChangeStatus;
import io.fieldsync.wire.Field;
import io.fieldsync.wire.FieldChange;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PullResponse;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import io.fieldsync.wire.Record;
import io.fieldsync.wire.SchemaResponse;
import io.fieldsync.wire.Values;
import io.fieldsync.wire.WireCodec;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PushPullTest {
  @TempDir Path dir;
  TestServer server;
  RawHttp http;
  long t = Households.START_MILLIS;

  @BeforeEach
  void start() {
    server = Households.server(dir).start();
    http = server.raw();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private PushResponse push(String device, PushRequest request) throws Exception {
    return http.push(server.token(device), request);
  }

  /** A pull of a device whose last run of pages ended at {@code cursor}. */
  private PullResponse pull(String device, long cursor, int limit) throws Exception {
    return pull(device, cursor, cursor, limit);
  }

  /** A pull from {@code cursor} of a run of pages that began at {@code since}. */
  private PullResponse pull(String device, long cursor, long since, int limit) throws Exception {
    return http.pull(
        server.token(device),
        PullRequest.newBuilder().setCursor(cursor).setSince(since).setLimit(limit).build());
  }

  private static Map<String, Object> fields(Record record) {
    Map<String, Object> result = new LinkedHashMap<>();
    for (Field field : record.getFieldsList()) {
      result.put(field.getColumn(), Values.fromWire(field.getValue()));
    }
    return result;
  }

  @Test
  void healthNeedsNoToken() throws Exception {
    HttpResponse<String> response = http.get("/v1/health", null);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("{\"status\":\"ok\"}");
  }

  @Test
  void schemaNamesTheTokensTenantAndDevice() throws Exception {
    push("d1", batch("b1", insertHousehold(1, "north", hlc(t))));
    HttpResponse<String> response = http.get("/v1/schema", server.token("d1"));
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValue("application/json; charset=utf-8");
    SchemaResponse.Builder schema = SchemaResponse.newBuilder();
    JsonFormat.parser().merge(response.body(), schema);
    assertThat(schema.getTenant()).isEqualTo("acme");
    assertThat(schema.getDevice()).isEqualTo("d1");
    assertThat(schema.getSequence()).isEqualTo(1);
    assertThat(schema.getSchema().getVersion()).isEqualTo(3);
    assertThat(schema.getSchema().getTablesList())
        .extracting(t -> t.getName())
        .containsExactly("households", "visits");
    assertThat(Hlc.wallMillis(schema.getServerHlc())).isEqualTo(Households.START_MILLIS);
  }

  @Test
  void pushedInsertIsPulledByAnotherDeviceWithAllFields() throws Exception {
    PushResponse pushed = push("d1", batch("b1", insertHousehold(1, "north", hlc(t))));
    assertThat(pushed.getApplied()).isEqualTo(1);
    assertThat(pushed.getSequence()).isEqualTo(1);
    // A change applied as sent has no result entry: the count says it.
    assertThat(pushed.getResultsList()).isEmpty();

    PullResponse pulled = pull("d2", 0, 0);
    assertThat(pulled.getRecordsList()).hasSize(1);
    Record record = pulled.getRecords(0);
    assertThat(record.getTable()).isEqualTo("households");
    assertThat(record.getRecordId()).isEqualTo(uuid(1));
    assertThat(record.getSeq()).isEqualTo(1);
    assertThat(fields(record))
        .containsEntry("id", uuid(1))
        .containsEntry("region", "north")
        .containsEntry("head_name", "Ada")
        .containsEntry("visits", 0L);
    assertThat(pulled.getNextCursor()).isEqualTo(1);
    assertThat(pulled.getHasMore()).isFalse();
    assertThat(pulled.getSequence()).isEqualTo(1);
  }

  @Test
  void everyPullPageNamesTheSchemaVersionTheServerServes() throws Exception {
    assertThat(Households.SCHEMA).contains("version: 3");
    assertThat(pull("d2", 0, 0).getSchemaVersion()).isEqualTo(3);
    push(
        "d1",
        batch("b1", insertHousehold(1, "north", hlc(t)), insertHousehold(2, "south", hlc(t))));

    PullResponse first = pull("d2", 0, 1);
    assertThat(first.getHasMore()).isTrue();
    assertThat(first.getSchemaVersion()).isEqualTo(3);
    assertThat(pull("d2", first.getNextCursor(), 0, 1).getSchemaVersion()).isEqualTo(3);
  }

  @Test
  void pullAboveACursorCarriesOnlyTheFieldsChangedAfterIt() throws Exception {
    push("d1", batch("b1", insertHousehold(1, "north", hlc(t))));
    push(
        "d1",
        batch(
            "b2",
            update("households", uuid(1), 1, hlc(t + 1), field("head_name", "Grace", hlc(t + 1)))));
    PullResponse pulled = pull("d2", 1, 0);
    assertThat(pulled.getRecordsList())
        .singleElement()
        .satisfies(
            record -> {
              assertThat(fields(record))
                  .containsOnlyKeys("head_name")
                  .containsEntry("head_name", "Grace");
              assertThat(record.getFields(0).getHlc()).isEqualTo(hlc(t + 1));
            });
    assertThat(pulled.getNextCursor()).isEqualTo(2);
  }

  @Test
  void protobufRoundTripWithZstd() throws Exception {
    byte[] body =
        WireCodec.encode(
            batch("b1", insertHousehold(1, "north", hlc(t)), insertHousehold(2, "south", hlc(t))));
    HttpResponse<byte[]> response =
        http.sendForBytes(
            http.request("/v1/push", server.token("d1"))
                .header("Content-Type", WireCodec.PROTOBUF)
                .header("Content-Encoding", "zstd")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue(WireCodec.PROTOBUF);
    assertThat(response.headers().firstValue("Content-Encoding")).hasValue("zstd");
    PushResponse pushed = WireCodec.decode(PushResponse.parser(), response.body(), 1 << 20);
    assertThat(pushed.getApplied()).isEqualTo(2);

    HttpResponse<byte[]> pull =
        http.sendForBytes(
            http.request("/v1/pull", server.token("d2"))
                .header("Content-Type", "application/json")
                .header("Accept", WireCodec.PROTOBUF)
                .POST(HttpRequest.BodyPublishers.ofString("{\"cursor\": 0}")));
    assertThat(pull.statusCode()).isEqualTo(200);
    PullResponse pulled = WireCodec.decode(PullResponse.parser(), pull.body(), 1 << 20);
    assertThat(pulled.getRecordsList())
        .extracting(Record::getRecordId)
        .containsExactly(uuid(1), uuid(2));
  }

  @Test
  void replayedBatchChangesNothingAndReturnsTheRecordedOutcome() throws Exception {
    Change change = update("households", uuid(1), 0, hlc(t + 5), field("visits", 3L, hlc(t + 5)));
    change = change.toBuilder().setFields(0, change.getFields(0).toBuilder().setDelta(3)).build();
    push("d1", batch("b0", insertHousehold(1, "north", hlc(t))));
    PushResponse first = push("d1", batch("b1", change));
    String before = Households.counts(server);
    PushResponse again = push("d1", batch("b1", change));
    assertThat(again.getReplayed()).isTrue();
    assertThat(again.toBuilder().setReplayed(false).build()).isEqualTo(first);
    assertThat(Households.counts(server)).isEqualTo(before);
    assertThat(fields(pull("d2", 0, 0).getRecords(0))).containsEntry("visits", 3L);
    // the same batch id from another device is another batch
    assertThat(push("d2", batch("b1", change)).getReplayed()).isFalse();
    assertThat(server.server().metrics().replayedPushes()).isEqualTo(1);
  }

  private static Change increment(int n, long base, long hlc, long delta, long deviceTotal) {
    return update(
        "households",
        uuid(n),
        base,
        hlc,
        FieldChange.newBuilder()
            .setColumn("visits")
            .setValue(Values.toWire(deviceTotal))
            .setDelta(delta)
            .setHlc(hlc)
            .build());
  }

  @Test
  void sumDeltasFromThreeDevicesAddUp() throws Exception {
    push("d1", batch("b0", insertHousehold(1, "north", hlc(t))));
    PushResponse one = push("d1", batch("b1", increment(1, 1, hlc(t + 1), 2, 2)));
    PushResponse two = push("d2", batch("b1", increment(1, 1, hlc(t + 2), 5, 5)));
    PushResponse three = push("d3", batch("b1", increment(1, 1, hlc(t + 3), 1, 1)));
    assertThat(one.getApplied()).isEqualTo(1);
    assertThat(one.getResultsList()).isEmpty();
    assertThat(two.getResults(0).getStatus()).isEqualTo(ChangeStatus.MERGED);
    assertThat(fields(two.getResults(0).getServerRecord())).containsEntry("visits", 7L);
    assertThat(fields(three.getResults(0).getServerRecord())).containsEntry("visits", 8L);
    assertThat(fields(pull("d4", 0, 0).getRecords(0))).containsEntry("visits", 8L);
  }

  @Test
  void lastWriterWinsByHlcAndTheLoserGetsTheServerRecord() throws Exception {
    push("d1", batch("b0", insertHousehold(1, "north", hlc(t))));
    PushResponse later =
        push(
            "d2",
            batch(
                "b1",
                update(
                    "households",
                    uuid(1),
                    1,
                    hlc(t + 20),
                    field("head_name", "Late", hlc(t + 20)))));
    PushResponse earlier =
        push(
            "d1",
            batch(
                "b1",
                update(
                    "households",
                    uuid(1),
                    1,
                    hlc(t + 10),
                    field("head_name", "Early", hlc(t + 10)))));
    assertThat(later.getApplied()).isEqualTo(1);
    assertThat(later.getResultsList()).isEmpty();
    assertThat(earlier.getResults(0).getStatus()).isEqualTo(ChangeStatus.MERGED);
    assertThat(fields(earlier.getResults(0).getServerRecord())).containsEntry("head_name", "Late");
    assertThat(earlier.getSequence()).isEqualTo(2); // the losing edit took no sequence
  }

  @Test
  void serverWinsKeepsTheServerValueAgainstAConcurrentEditOnly() throws Exception {
    Change insert =
        insertHousehold(1, "north", hlc(t)).toBuilder()
            .addFields(field("status", "new", hlc(t)))
            .build();
    push("d1", batch("b0", insert));
    push(
        "d1",
        batch(
            "b1",
            update("households", uuid(1), 1, hlc(t + 1), field("status", "visited", hlc(t + 1)))));
    PushResponse concurrent =
        push(
            "d2",
            batch(
                "b1",
                update(
                    "households", uuid(1), 1, hlc(t + 9), field("status", "closed", hlc(t + 9)))));
    assertThat(concurrent.getResults(0).getStatus()).isEqualTo(ChangeStatus.MERGED);
    assertThat(fields(concurrent.getResults(0).getServerRecord()))
        .containsEntry("status", "visited");
    PushResponse informed =
        push(
            "d2",
            batch(
                "b2",
                update(
                    "households", uuid(1), 2, hlc(t + 9), field("status", "closed", hlc(t + 9)))));
    assertThat(informed.getApplied()).isEqualTo(1);
    assertThat(informed.getResultsList()).isEmpty();
  }

  @Test
  void manualConflictParksAndAnAdminResolutionSyncsToEveryDevice() throws Exception {
    Change insert =
        insertHousehold(1, "north", hlc(t)).toBuilder()
            .addFields(field("notes", "first", hlc(t)))
            .build();
    push("d1", batch("b0", insert));
    push(
        "d1",
        batch(
            "b1",
            update("households", uuid(1), 1, hlc(t + 1), field("notes", "mine", hlc(t + 1)))));
    PushResponse parked =
        push(
            "d2",
            batch(
                "b1",
                update(
                    "households", uuid(1), 1, hlc(t + 2), field("notes", "theirs", hlc(t + 2)))));
    assertThat(parked.getParked()).isEqualTo(1);
    assertThat(parked.getResults(0).getStatus()).isEqualTo(ChangeStatus.PARKED);
    assertThat(parked.getResults(0).getParkedColumnsList()).containsExactly("notes");
    assertThat(fields(parked.getResults(0).getServerRecord())).containsEntry("notes", "mine");

    HttpResponse<String> denied = http.get("/v1/review", server.token("d1"));
    assertThat(denied.statusCode()).isEqualTo(403);
    assertThat(denied.body())
        .contains("\"forbidden\"")
        .contains(
            "the review queue needs a token with role 'admin'; this token has role 'surveyor'");

    HttpResponse<String> listed = http.get("/v1/review", server.adminToken(TestServer.TENANT));
    assertThat(listed.statusCode()).isEqualTo(200);
    JsonObject item =
        JsonParser.parseString(listed.body())
            .getAsJsonObject()
            .getAsJsonArray("items")
            .get(0)
            .getAsJsonObject();
    assertThat(item.get("column").getAsString()).isEqualTo("notes");
    assertThat(item.get("server_value").getAsString()).isEqualTo("mine");
    assertThat(item.get("device_value").getAsString()).isEqualTo("theirs");
    long id = item.get("id").getAsLong();

    HttpResponse<String> resolved =
        http.postJson(
            "/v1/review/" + id + "/resolve",
            server.adminToken(TestServer.TENANT),
            "{\"action\":\"take_device\"}");
    assertThat(resolved.statusCode()).isEqualTo(200);
    assertThat(resolved.body())
        .isEqualTo(
            "{\"id\":"
                + id
                + ",\"status\":\"resolved\",\"resolution\":\"take_device\",\"sequence\":3}");
    PullResponse pulled = pull("d1", 2, 0);
    assertThat(fields(pulled.getRecords(0)))
        .containsOnlyKeys("notes")
        .containsEntry("notes", "theirs");

    HttpResponse<String> twice =
        http.postJson(
            "/v1/review/" + id + "/resolve",
            server.adminToken(TestServer.TENANT),
            "{\"action\":\"keep_server\"}");
    assertThat(twice.statusCode()).isEqualTo(409);
    assertThat(twice.body())
        .isEqualTo(
            "{\"error\":\"conflict\",\"message\":\"review item "
                + id
                + " is already resolved\"}\n");
    assertThat(http.get("/v1/review?all=true", server.adminToken(TestServer.TENANT)).body())
        .contains("\"resolution\":\"take_device\"");
    assertThat(http.get("/v1/review", server.adminToken(TestServer.TENANT)).body())
        .isEqualTo("{\"items\":[]}");
  }

  @Test
  void unionAndMaxMergeConcurrentEdits() throws Exception {
    Change insert =
        insertHousehold(1, "north", hlc(t)).toBuilder()
            .addFields(field("tags", "[\"a\"]", hlc(t)))
            .addFields(field("temperature", 36.5, hlc(t)))
            .build();
    push("d1", batch("b0", insert));
    FieldChange addB =
        FieldChange.newBuilder()
            .setColumn("tags")
            .setValue(Values.toWire("[\"a\",\"b\"]"))
            .addAdded("\"b\"")
            .setHlc(hlc(t + 1))
            .build();
    FieldChange addC =
        FieldChange.newBuilder()
            .setColumn("tags")
            .setValue(Values.toWire("[\"a\",\"c\"]"))
            .addAdded("\"c\"")
            .setHlc(hlc(t + 2))
            .build();
    push(
        "d1",
        batch(
            "b1",
            update(
                "households",
                uuid(1),
                1,
                hlc(t + 1),
                addB,
                field("temperature", 38.0, hlc(t + 1)))));
    PushResponse second =
        push(
            "d2",
            batch(
                "b1",
                update(
                    "households",
                    uuid(1),
                    1,
                    hlc(t + 2),
                    addC,
                    field("temperature", 37.0, hlc(t + 2)))));
    assertThat(second.getResults(0).getStatus()).isEqualTo(ChangeStatus.MERGED);
    assertThat(fields(second.getResults(0).getServerRecord()))
        .containsEntry("tags", "[\"a\",\"b\",\"c\"]")
        .containsEntry("temperature", 38.0);
  }

  @Test
  void timestampsAreStoredCanonicallyAndTheDeviceIsTold() throws Exception {
    Change insert =
        insertHousehold(1, "north", hlc(t)).toBuilder()
            .addFields(field("seen_at", "2026-11-22T12:15:30+02:00", hlc(t)))
            .build();
    PushResponse pushed = push("d1", batch("b0", insert));
    assertThat(pushed.getResults(0).getStatus()).isEqualTo(ChangeStatus.APPLIED);
    assertThat(fields(pushed.getResults(0).getServerRecord()))
        .containsEntry("seen_at", "2026-11-22T10:15:30Z");
  }

  @Test
  void deleteWinsOverAConcurrentUpdateAndPullsAsATombstone() throws Exception {
    push("d1", batch("b0", insertHousehold(1, "north", hlc(t))));
    push("d1", batch("b1", delete("households", uuid(1), 1, hlc(t + 1))));
    PushResponse update =
        push(
            "d2",
            batch(
                "b1",
                update(
                    "households", uuid(1), 1, hlc(t + 5), field("head_name", "Zed", hlc(t + 5)))));
    assertThat(update.getResults(0).getStatus()).isEqualTo(ChangeStatus.MERGED);
    assertThat(update.getResults(0).getServerRecord().getDeleted()).isTrue();
    assertThat(update.getResults(0).getReason())
        .isEqualTo(
            "table 'households', record '"
                + uuid(1)
                + "': deleted on the server and on_delete is delete_wins; the edit was not applied");
    PullResponse pulled = pull("d3", 0, 0);
    assertThat(pulled.getRecordsList())
        .singleElement()
        .satisfies(
            record -> {
              assertThat(record.getDeleted()).isTrue();
              assertThat(record.getFieldsList()).isEmpty();
            });
  }

  @Test
  void updateWinsResurrectsAConcurrentlyDeletedRecord() throws Exception {
    push(
        "d1", batch("b0", insertHousehold(1, "north", hlc(t)), insertVisit(2, 1, "first", hlc(t))));
    push("d1", batch("b1", delete("visits", uuid(2), 2, hlc(t + 1))));
    PushResponse update =
        push(
            "d2",
            batch(
                "b1",
                update("visits", uuid(2), 2, hlc(t + 2), field("note", "still here", hlc(t + 2)))));
    assertThat(update.getResults(0).getStatus()).isEqualTo(ChangeStatus.APPLIED);
    assertThat(fields(update.getResults(0).getServerRecord()))
        .containsEntry("household_id", uuid(1))
        .containsEntry("note", "still here");
    PullResponse pulled = pull("d1", 3, 0);
    assertThat(fields(pulled.getRecords(0))).containsKeys("id", "household_id", "note");

    // a delete concurrent with an update it had not seen: the record stays
    push(
        "d2",
        batch("b2", update("visits", uuid(2), 4, hlc(t + 3), field("note", "again", hlc(t + 3)))));
    PushResponse lateDelete = push("d1", batch("b2", delete("visits", uuid(2), 4, hlc(t + 4))));
    assertThat(lateDelete.getResults(0).getStatus()).isEqualTo(ChangeStatus.MERGED);
    assertThat(lateDelete.getResults(0).getServerRecord().getDeleted()).isFalse();
  }

  @Test
  void pullPagesParentsBeforeChildrenAndNeverSkips() throws Exception {
    // children pushed first in the batch: the server orders them after their parents
    push(
        "d1",
        batch(
            "b0",
            insertVisit(10, 1, "first", hlc(t)),
            insertVisit(11, 2, "first", hlc(t)),
            insertHousehold(1, "north", hlc(t)),
            insertHousehold(2, "north", hlc(t))));
    PullResponse all = pull("d2", 0, 0);
    assertThat(all.getRecordsList())
        .extracting(Record::getTable)
        .containsExactly("households", "households", "visits", "visits");
    PullResponse first = pull("d2", 0, 3);
    assertThat(first.getRecordsCount()).isEqualTo(3);
    assertThat(first.getHasMore()).isTrue();
    assertThat(first.getNextCursor()).isEqualTo(3);
    PullResponse rest = pull("d2", first.getNextCursor(), 0, 3);
    assertThat(rest.getRecordsCount()).isEqualTo(1);
    assertThat(rest.getHasMore()).isFalse();
    assertThat(rest.getNextCursor()).isEqualTo(4);
    // A cursor ahead of the sequence is refused: it came back as next_cursor 99 and hid changes.
    assertThat(http.postJson("/v1/pull", server.token("d2"), "{\"cursor\":\"99\"}").statusCode())
        .isEqualTo(410);
  }

  /**
   * Regression (fixed in bf93114): households 1-3 at seq 1-3, head_name of 1 at seq 4; pages of 2
   * gave {2, 3} then household 1 with head_name only, so a new device never got its region.
   */
  @Test
  void aLaterPageOfARunFromZeroSendsRecordsCreatedBelowItsCursorWhole() throws Exception {
    push(
        "d1",
        batch(
            "b0",
            insertHousehold(1, "north", hlc(t)),
            insertHousehold(2, "north", hlc(t)),
            insertHousehold(3, "north", hlc(t))));
    push(
        "d1",
        batch(
            "b1",
            update("households", uuid(1), 3, hlc(t + 1), field("head_name", "Awa", hlc(t + 1)))));
    PullResponse first = pull("d2", 0, 0, 2);
    assertThat(first.getRecordsList())
        .extracting(Record::getRecordId)
        .containsExactly(uuid(2), uuid(3));
    assertThat(first.getNextCursor()).isEqualTo(3);
    assertThat(first.getHasMore()).isTrue();

    PullResponse second = pull("d2", 3, 0, 2);

    assertThat(second.getRecordsList()).extracting(Record::getRecordId).containsExactly(uuid(1));
    assertThat(fields(second.getRecords(0)))
        .containsEntry("id", uuid(1))
        .containsEntry("region", "north")
        .containsEntry("head_name", "Awa")
        .containsEntry("visits", 0L);
    assertThat(second.getHasMore()).isFalse();
    assertThat(second.getNextCursor()).isEqualTo(4);
  }

  @Test
  void aPullWithoutSinceSendsWholeRecordsAndSinceAtTheCursorOnlyTheFieldsChangedAfterIt()
      throws Exception {
    push(
        "d1",
        batch("b0", insertHousehold(1, "north", hlc(t)), insertHousehold(2, "north", hlc(t))));
    push(
        "d1",
        batch(
            "b1",
            update("households", uuid(1), 2, hlc(t + 1), field("head_name", "Awa", hlc(t + 1)))));
    push(
        "d1",
        batch(
            "b2",
            update("households", uuid(2), 3, hlc(t + 2), field("head_name", "Binta", hlc(t + 2)))));
    Map<String, Object> whole = new LinkedHashMap<>();
    whole.put("id", uuid(1));
    whole.put("region", "north");
    whole.put("head_name", "Awa");
    whole.put("visits", 0L);

    // since unset: what an old client sends, and the safe default
    HttpResponse<String> unset =
        http.postJson("/v1/pull", server.token("d2"), "{\"cursor\":\"2\",\"limit\":1}");
    assertThat(unset.statusCode()).isEqualTo(200);
    PullResponse.Builder oldClient = PullResponse.newBuilder();
    JsonFormat.parser().merge(unset.body(), oldClient);
    assertThat(oldClient.getRecordsList()).extracting(Record::getRecordId).containsExactly(uuid(1));
    assertThat(fields(oldClient.getRecords(0))).containsAllEntriesOf(whole);
    assertThat(fields(pull("d2", 3, 0, 1).getRecords(0)))
        .as("a later page without since")
        .containsEntry("id", uuid(2))
        .containsEntry("region", "north")
        .containsEntry("head_name", "Binta")
        .containsEntry("visits", 0L);

    // since = cursor: a device whose last run ended at the cursor holds the rest
    assertThat(fields(pull("d2", 2, 2, 1).getRecords(0)))
        .containsOnlyKeys("head_name")
        .containsEntry("head_name", "Awa");
    // since below the cursor: the fields changed after since, of records changed after cursor
    PullResponse between = pull("d2", 3, 2, 5);
    assertThat(between.getRecordsList()).extracting(Record::getRecordId).containsExactly(uuid(2));
    assertThat(fields(between.getRecords(0))).containsOnlyKeys("head_name");
  }

  @Test
  void anotherTenantsTokenSeesNothing() throws Exception {
    push("d1", batch("b0", insertHousehold(1, "north", hlc(t))));
    String foreign =
        server.server().tokens().mint("globex", "d9", null, null, null, Duration.ofHours(1));
    HttpResponse<String> response =
        http.postJson("/v1/pull", foreign, RawHttp.json(PullRequest.newBuilder().build()));
    assertThat(response.statusCode()).isEqualTo(200);
    PullResponse.Builder pulled = PullResponse.newBuilder();
    JsonFormat.parser().merge(response.body(), pulled);
    assertThat(pulled.getRecordsList()).isEmpty();
    assertThat(pulled.getSequence()).isZero();
  }

  @Test
  void aStampFarInTheFutureIsCappedAndCounted() throws Exception {
    long future = hlc(t + 3_600_000);
    PushResponse pushed = push("d1", batch("b0", insertHousehold(1, "north", future)));
    assertThat(pushed.getApplied()).isEqualTo(1);
    assertThat(server.server().metrics().clockSkewCapped()).isEqualTo(4); // change + 3 fields
    Record record = pull("d2", 0, 0).getRecords(0);
    assertThat(record.getFields(1).getHlc()).isEqualTo(Hlc.of(t + 60_000, 0));
    assertThat(Hlc.wallMillis(pushed.getServerHlc())).isEqualTo(t + 60_000);
    // a later honest edit from another device within the tolerance still orders after the capped
    // one
    server.clock().advance(Duration.ofMillis(61_000));
    PushResponse honest =
        push(
            "d2",
            batch(
                "b1",
                update(
                    "households",
                    uuid(1),
                    1,
                    hlc(t + 61_000),
                    field("head_name", "Now", hlc(t + 61_000)))));
    assertThat(honest.getApplied()).isEqualTo(1);
    assertThat(honest.getResultsList()).isEmpty();
  }
}
