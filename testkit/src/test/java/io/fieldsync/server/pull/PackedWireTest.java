package io.fieldsync.server.pull;

import static io.fieldsync.server.Households.batch;
import static io.fieldsync.server.Households.delete;
import static io.fieldsync.server.Households.field;
import static io.fieldsync.server.Households.hlc;
import static io.fieldsync.server.Households.insertHousehold;
import static io.fieldsync.server.Households.update;
import static io.fieldsync.server.Households.uuid;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.fieldsync.server.Households;
import io.fieldsync.testkit.RawHttp;
import io.fieldsync.testkit.TestServer;
import io.fieldsync.wire.Change;
import io.fieldsync.wire.Op;
import io.fieldsync.wire.Packing;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PullResponse;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import io.fieldsync.wire.Record;
import io.fieldsync.wire.SequenceRange;
import io.fieldsync.wire.WireCodec;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packed binary form and the pull's echo rule, over real HTTP. */
class PackedWireTest {
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

  private HttpResponse<byte[]> postProtobuf(String path, String device, Message body)
      throws Exception {
    return http.postProtobuf(path, server.token(device), body);
  }

  private PushResponse push(String device, PushRequest request) throws Exception {
    return http.push(server.token(device), request);
  }

  /** A pull of a device whose last run of pages ended at {@code cursor}. */
  private PullResponse pull(String device, long cursor, int limit) throws Exception {
    return http.pull(
        server.token(device),
        PullRequest.newBuilder().setCursor(cursor).setSince(cursor).setLimit(limit).build());
  }

  private PullResponse pullProtobuf(String device, PullRequest request) throws Exception {
    HttpResponse<byte[]> response = postProtobuf("/v1/pull", device, request);
    assertThat(response.statusCode()).isEqualTo(200);
    return WireCodec.decode(PullResponse.parser(), response.body(), 1 << 20);
  }

  @Test
  void aPackedPushIsAppliedAndAPackedPullMatchesTheJsonOne() throws Exception {
    PushRequest request =
        batch("b1", insertHousehold(1, "north", hlc(t)), insertHousehold(2, "south", hlc(t + 1)));
    HttpResponse<byte[]> pushed = postProtobuf("/v1/push", "d1", Packing.pack(request));
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
    assertThat(pull("d2", 0, 0).getRecordsList()).as("JSON answers are never packed").hasSize(2);
  }

  @Test
  void malformedPackedInputIsABadRequestThatChangesNothing() throws Exception {
    String before = Households.counts(server);
    PushRequest packed = Packing.pack(batch("b1", insertHousehold(1, "north", hlc(t))));
    PushRequest broken =
        packed.toBuilder().setPacked(packed.getPacked().toBuilder().addTables(0)).build();

    HttpResponse<byte[]> response = postProtobuf("/v1/push", "d1", broken);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(new String(response.body(), java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo(
            "{\"error\":\"bad_request\",\"message\":\"PushRequest.packed.ops has 1 entries,"
                + " expected 2\"}\n");
    assertThat(Households.counts(server)).isEqualTo(before);
  }

  @Test
  void aPullLeavesOutOnlyTheDevicesOwnWritesInTheRangesItNames() throws Exception {
    PushResponse created = push("d1", batch("b1", insertHousehold(1, "north", hlc(t))));
    push("d2", batch("b2", insertHousehold(2, "south", hlc(t + 1))));
    PushResponse edited =
        push(
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
    PullResponse echoFree = pullProtobuf("d1", mine.setCursor(2).setSince(2).build());
    assertThat(echoFree.getRecordsList()).isEmpty();
    assertThat(echoFree.getNextCursor()).isEqualTo(3);
    // A database that names no ranges (new, restored) gets the edit; so does another device.
    assertThat(
            pullProtobuf("d1", PullRequest.newBuilder().setCursor(2).setSince(2).build())
                .getRecordsList())
        .singleElement()
        .satisfies(record -> assertThat(record.getFields(0).getColumn()).isEqualTo("head_name"));
    assertThat(pullProtobuf("d2", mine.build()).getRecordsList()).hasSize(1);
    assertThat(
            pullProtobuf("d1", mine.setCursor(0).setSince(0).setSnapshot(true).build())
                .getRecordsList())
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
        http.postJson("/v1/pull", server.token("d1"), JsonFormat.printer().print(request));

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body())
        .isEqualTo(
            "{\"error\":\"bad_request\",\"message\":\"own_writes[0] must have 1 <= first <= last,"
                + " found first 5 and last 3\"}\n");
  }

  @Test
  void aPackedPullHasExactlyThePlainPullsRecordsFromAnyCursorWithOrWithoutOwnWrites()
      throws Exception {
    List<SequenceRange> mine = seedMixedHistory();
    long sequence = pull("d3", 0, 0).getSequence();
    PullRequest withOwnWrites = PullRequest.newBuilder().addAllOwnWrites(mine).build();
    int compared = 0;
    for (String device : List.of("d1", "d3")) {
      for (long cursor : List.of(0L, sequence / 2, sequence - 2)) {
        for (int limit : List.of(0, 4)) {
          PullRequest request =
              (device.equals("d1") ? withOwnWrites : PullRequest.getDefaultInstance())
                  .toBuilder().setCursor(cursor).setSince(cursor).setLimit(limit).build();
          boolean more = true;
          while (more) {
            String where = device + " from " + request.getCursor() + " limit " + limit;
            PullResponse packed = pullProtobuf(device, request.toBuilder().setPacked(true).build());
            PullResponse plain = pullProtobuf(device, request.toBuilder().setPacked(false).build());

            assertThat(packed.getRecordsCount()).as(where).isZero();
            assertThat(packed.hasPacked()).as(where).isEqualTo(plain.getRecordsCount() > 0);
            assertThat(Packing.unpack(packed).toBuilder().clearServerHlc().build())
                .as(where)
                .isEqualTo(plain.toBuilder().clearServerHlc().build());
            compared += plain.getRecordsCount();
            more = plain.getHasMore();
            request = request.toBuilder().setCursor(plain.getNextCursor()).build();
          }
        }
      }
    }
    assertThat(compared).as("records compared").isGreaterThan(50);

    PullResponse everything = pull("d3", 0, 0);
    assertThat(everything.getRecordsList())
        .extracting(Record::getTable)
        .containsOnly("households", "visits");
    assertThat(everything.getRecordsList()).filteredOn(Record::getDeleted).hasSize(2);
    PullResponse echoFree = pullProtobuf("d1", withOwnWrites.toBuilder().setPacked(true).build());
    assertThat(Packing.unpack(echoFree).getRecordsCount())
        .as("own_writes leaves out d1's own records")
        .isLessThan(everything.getRecordsCount());
  }

  /**
   * Two devices' history over both tables: inserts with every kind of value (decimal and other
   * reals, JSON, timestamps, unicode, nulls), single-field updates and deletes. Returns the ranges
   * d1's pushes wrote.
   */
  private List<SequenceRange> seedMixedHistory() throws Exception {
    List<SequenceRange> written = new ArrayList<>();
    PushRequest.Builder households = PushRequest.newBuilder().setBatchId("s1");
    for (int n = 1; n <= 10; n++) {
      Change.Builder insert =
          insertHousehold(n, n % 2 == 0 ? "north" : "south", hlc(t + n)).toBuilder();
      if (n % 3 == 0) {
        insert
            .addFields(field("tags", "[\"a\",\"b\"]", hlc(t + n)))
            .addFields(field("temperature", n % 2 == 0 ? 36.5 : 1.0 / 3, hlc(t + n)))
            .addFields(field("seen_at", "2026-11-22T10:15:30Z", hlc(t + n)));
      }
      households.addChanges(insert);
    }
    PushResponse pushed = push("d1", households.build());
    written.add(pushed.getWritten());
    PushRequest.Builder visits = PushRequest.newBuilder().setBatchId("s2");
    for (int n = 20; n < 28; n++) {
      visits.addChanges(
          Change.newBuilder()
              .setTable("visits")
              .setRecordId(uuid(n))
              .setOp(Op.OP_INSERT)
              .setHlc(hlc(t + n))
              .addFields(field("household_id", uuid(n - 19), hlc(t + n)))
              .addFields(field("note", n % 4 == 0 ? null : "visit " + n, hlc(t + n))));
    }
    long base = push("d2", visits.build()).getSequence();
    pushed =
        push(
            "d1",
            batch(
                "s3",
                update(
                    "households",
                    uuid(2),
                    base,
                    hlc(t + 40),
                    field("head_name", "Awa", hlc(t + 40))),
                update(
                    "households",
                    uuid(3),
                    base,
                    hlc(t + 41),
                    field("temperature", 39.25, hlc(t + 41))),
                update(
                    "households",
                    uuid(5),
                    base,
                    hlc(t + 42),
                    field("head_name", null, hlc(t + 42))),
                update(
                    "households",
                    uuid(6),
                    base,
                    hlc(t + 43),
                    field("seen_at", "2026-11-23T08:00:00Z", hlc(t + 43)))));
    written.add(pushed.getWritten());
    base = pushed.getSequence();
    base =
        push(
                "d2",
                batch(
                    "s4",
                    delete("households", uuid(9), base, hlc(t + 50)),
                    delete("visits", uuid(21), base, hlc(t + 51)),
                    update(
                        "visits", uuid(23), base, hlc(t + 52), field("note", "seen", hlc(t + 52)))))
            .getSequence();
    pushed =
        push(
            "d1",
            batch(
                "s5",
                update(
                    "visits", uuid(22), base, hlc(t + 60), field("note", "revisit", hlc(t + 60))),
                update(
                    "households",
                    uuid(1),
                    base,
                    hlc(t + 61),
                    field("head_name", "Ünïcødé 名前 😀", hlc(t + 61)))));
    written.add(pushed.getWritten());
    return written;
  }
}
