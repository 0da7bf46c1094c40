package io.fieldsync.server;

import static io.fieldsync.server.ServerHarness.batch;
import static io.fieldsync.server.ServerHarness.field;
import static io.fieldsync.server.ServerHarness.hlc;
import static io.fieldsync.server.ServerHarness.insertHousehold;
import static io.fieldsync.server.ServerHarness.update;
import static io.fieldsync.server.ServerHarness.uuid;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.JsonFormat;
import io.fieldsync.wire.Packing;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PullResponse;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import io.fieldsync.wire.Record;
import io.fieldsync.wire.SequenceRange;
import io.fieldsync.wire.WireCodec;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packed binary form and the pull's echo rule, over real HTTP. */
class PackedWireTest {
  @TempDir Path dir;
  ServerHarness harness;
  long t = ServerHarness.START_MILLIS;

  @BeforeEach
  void start() {
    harness = new ServerHarness(dir);
  }

  @AfterEach
  void stop() {
    harness.close();
  }

  private HttpResponse<byte[]> postProtobuf(String path, String device, byte[] body)
      throws Exception {
    return harness.sendBytes(
        HttpRequest.newBuilder(harness.uri(path))
            .header("Authorization", "Bearer " + harness.token(device))
            .header("Content-Type", WireCodec.PROTOBUF)
            .header("Content-Encoding", "zstd")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build());
  }

  private PullResponse pullProtobuf(String device, PullRequest request) throws Exception {
    HttpResponse<byte[]> response = postProtobuf("/v1/pull", device, WireCodec.encode(request));
    assertThat(response.statusCode()).isEqualTo(200);
    return WireCodec.decode(PullResponse.parser(), response.body(), 1 << 20);
  }

  @Test
  void aPackedPushIsAppliedAndAPackedPullMatchesTheJsonOne() throws Exception {
    PushRequest request =
        batch("b1", insertHousehold(1, "north", hlc(t)), insertHousehold(2, "south", hlc(t + 1)));
    HttpResponse<byte[]> pushed =
        postProtobuf("/v1/push", "d1", WireCodec.encode(Packing.pack(request)));
    assertThat(pushed.statusCode()).isEqualTo(200);
    PushResponse response = WireCodec.decode(PushResponse.parser(), pushed.body(), 1 << 20);
    assertThat(response.getApplied()).isEqualTo(2);
    assertThat(response.getWritten())
        .isEqualTo(SequenceRange.newBuilder().setFirst(1).setLast(2).build());

    PullResponse packed = pullProtobuf("d2", PullRequest.newBuilder().setPacked(true).build());
    PullResponse plain = pullProtobuf("d2", PullRequest.getDefaultInstance());

    assertThat(packed.getRecordsCount()).isZero();
    assertThat(packed.getPacked().getIds().getUuids().size()).isEqualTo(32);
    assertThat(Packing.unpack(packed).toBuilder().clearServerHlc().build())
        .isEqualTo(plain.toBuilder().clearServerHlc().build());
    assertThat(plain.getRecordsList())
        .extracting(Record::getRecordId)
        .containsExactly(uuid(1), uuid(2));
    assertThat(harness.pull("d2", 0, 0).getRecordsList())
        .as("JSON answers are never packed")
        .hasSize(2);
  }

  @Test
  void malformedPackedInputIsABadRequestThatChangesNothing() throws Exception {
    String before = harness.snapshot();
    PushRequest packed = Packing.pack(batch("b1", insertHousehold(1, "north", hlc(t))));
    PushRequest broken =
        packed.toBuilder().setPacked(packed.getPacked().toBuilder().addTables(0)).build();

    HttpResponse<byte[]> response = postProtobuf("/v1/push", "d1", WireCodec.encode(broken));

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(new String(response.body(), java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo(
            "{\"error\":\"bad_request\",\"message\":\"PushRequest.packed.ops has 1 entries,"
                + " expected 2\"}\n");
    assertThat(harness.snapshot()).isEqualTo(before);
  }

  @Test
  void aPullLeavesOutOnlyTheDevicesOwnWritesInTheRangesItNames() throws Exception {
    PushResponse created = harness.push("d1", batch("b1", insertHousehold(1, "north", hlc(t))));
    harness.push("d2", batch("b2", insertHousehold(2, "south", hlc(t + 1))));
    PushResponse edited =
        harness.push(
            "d1",
            batch(
                "b3",
                update(
                    "households", uuid(2), 2, hlc(t + 2), field("head_name", "Awa", hlc(t + 2)))));

    PullRequest.Builder mine =
        PullRequest.newBuilder()
            .addOwnWrites(created.getWritten())
            .addOwnWrites(edited.getWritten());

    // From 0: d1's own insert is left out; d2's insert is new to d1 and comes whole.
    assertThat(pullProtobuf("d1", mine.build()).getRecordsList())
        .extracting(Record::getRecordId)
        .containsExactly(uuid(2));
    // From 2: only d1's own edit is left, so nothing is sent.
    PullResponse echoFree = pullProtobuf("d1", mine.setCursor(2).build());
    assertThat(echoFree.getRecordsList()).isEmpty();
    assertThat(echoFree.getNextCursor()).isEqualTo(3);
    // A database that names no ranges (new, restored) gets the edit; so does another device.
    assertThat(pullProtobuf("d1", PullRequest.newBuilder().setCursor(2).build()).getRecordsList())
        .singleElement()
        .satisfies(record -> assertThat(record.getFields(0).getColumn()).isEqualTo("head_name"));
    assertThat(pullProtobuf("d2", mine.build()).getRecordsList()).hasSize(1);
    assertThat(pullProtobuf("d1", mine.setCursor(0).setSnapshot(true).build()).getRecordsList())
        .as("a snapshot delivers everything")
        .hasSize(2);
  }

  @Test
  void aBadOwnWritesRangeIsABadRequest() throws Exception {
    PullRequest request =
        PullRequest.newBuilder()
            .addOwnWrites(SequenceRange.newBuilder().setFirst(5).setLast(3))
            .build();

    HttpResponse<String> response =
        harness.postJson("/v1/pull", harness.token("d1"), JsonFormat.printer().print(request));

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body())
        .isEqualTo(
            "{\"error\":\"bad_request\",\"message\":\"own_writes[0] must have 1 <= first <= last,"
                + " found first 5 and last 3\"}\n");
  }
}
