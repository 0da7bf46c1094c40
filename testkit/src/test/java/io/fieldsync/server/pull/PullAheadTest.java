package io.fieldsync.server.pull;

import static io.fieldsync.server.Households.batch;
import static io.fieldsync.server.Households.delete;
import static io.fieldsync.server.Households.field;
import static io.fieldsync.server.Households.hlc;
import static io.fieldsync.server.Households.insertHousehold;
import static io.fieldsync.server.Households.insertVisit;
import static io.fieldsync.server.Households.update;
import static io.fieldsync.server.Households.uuid;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.google.protobuf.util.JsonFormat;
import io.fieldsync.server.Households;
import io.fieldsync.server.ServerInternals;
import io.fieldsync.testkit.RawHttp;
import io.fieldsync.testkit.SeededTest;
import io.fieldsync.testkit.TestServer;
import io.fieldsync.wire.Change;
import io.fieldsync.wire.Field;
import io.fieldsync.wire.Packing;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PullResponse;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import io.fieldsync.wire.Record;
import io.fieldsync.wire.SequenceRange;
import io.fieldsync.wire.Value;
import io.fieldsync.wire.WireCodec;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The server prepares the next page of a multi-page pull: what it hands out is exactly what it
 * would have computed, only for the very request it was prepared for, and never to a revoked token.
 */
class PullAheadTest {
  private static final int PAGE = 7;

  @TempDir Path dir;
  long t = Households.START_MILLIS;
  TestServer server;
  RawHttp http;
  final ListAppender<ILoggingEvent> events = new ListAppender<>();
  final Logger handlerLog = (Logger) LoggerFactory.getLogger("io.fieldsync.server.http.Router");
  Level handlerLevel;

  @BeforeEach
  void captureLog() {
    events.start();
    handlerLevel = handlerLog.getLevel();
    handlerLog.setLevel(Level.INFO);
    handlerLog.addAppender(events);
  }

  @AfterEach
  void stop() {
    handlerLog.detachAppender(events);
    handlerLog.setLevel(handlerLevel);
    if (server != null) {
      server.close();
    }
  }

  private void start(int pullAheadThreads) {
    server =
        Households.server(dir)
            .configure(config -> config.pullAheadThreads(pullAheadThreads))
            .start();
    http = server.raw();
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

  private List<String> allLines() {
    synchronized (events) { // appends hold the appender's lock
      return events.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }
  }

  /** The pull log lines so far, for one device. */
  private List<String> pullLines(String device) {
    synchronized (events) { // appends hold the appender's lock
      return events.list.stream()
          .map(ILoggingEvent::getFormattedMessage)
          .filter(line -> line.startsWith("pull tenant=acme device=" + device + " "))
          .toList();
    }
  }

  private long preparedServed(String device) {
    return pullLines(device).stream().filter(line -> line.contains(" prepared=true")).count();
  }

  private HttpResponse<byte[]> postProtobuf(String token, PullRequest request) throws Exception {
    return http.postProtobuf("/v1/pull", token, request);
  }

  /** A page as the device reads it: protobuf, unpacked, the server's clock left out. */
  private PullResponse pullProtobuf(String token, PullRequest request) throws Exception {
    HttpResponse<byte[]> response = postProtobuf(token, request);
    assertThat(response.statusCode()).as("pull %s", request).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith(WireCodec.PROTOBUF));
    return comparable(WireCodec.decode(PullResponse.parser(), response.body(), 1 << 24));
  }

  private PullResponse pullJson(String token, PullRequest request) throws Exception {
    HttpResponse<String> response =
        http.postJson("/v1/pull", token, JsonFormat.printer().print(request));
    assertThat(response.statusCode()).as("pull %s", request).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
    PullResponse.Builder result = PullResponse.newBuilder();
    JsonFormat.parser().merge(response.body(), result);
    return comparable(result.build());
  }

  private static PullResponse comparable(PullResponse response) {
    return Packing.unpack(response).toBuilder().clearServerHlc().build();
  }

  /** The request after a page, as a device makes it: the same run, from next_cursor. */
  private static PullRequest next(PullRequest request, PullResponse page) {
    return request.toBuilder().setCursor(page.getNextCursor()).build();
  }

  /** Every page from the request on, until has_more is false. */
  private List<PullResponse> pullAll(String token, PullRequest first, boolean json)
      throws Exception {
    List<PullResponse> pages = new ArrayList<>();
    PullRequest request = first;
    while (true) {
      PullResponse page = json ? pullJson(token, request) : pullProtobuf(token, request);
      pages.add(page);
      if (!page.getHasMore()) {
        return pages;
      }
      assertThat(pages).as("pages of %s", first).hasSizeLessThan(1000);
      request = next(request, page);
    }
  }

  /**
   * About a hundred records: d1 inserts households in batches, d2 inserts visits of them, then
   * single-field updates by both and a few deletes. Returns the ranges d1's pushes wrote.
   */
  private List<SequenceRange> seed() throws Exception {
    List<SequenceRange> d1Wrote = new ArrayList<>();
    for (int b = 0; b < 7; b++) {
      PushRequest.Builder households = PushRequest.newBuilder().setBatchId("h" + b);
      for (int n = 1 + 10 * b; n <= 10 * (b + 1); n++) {
        households.addChanges(insertHousehold(n, "north", hlc(t + n)));
      }
      d1Wrote.add(push("d1", households.build()).getWritten());
    }
    PushRequest.Builder visits = PushRequest.newBuilder().setBatchId("v");
    for (int n = 100; n < 130; n++) {
      visits.addChanges(insertVisit(n, n - 99, "visit " + n, hlc(t + n)));
    }
    long base = push("d2", visits.build()).getSequence();
    List<Change> updates = new ArrayList<>();
    for (int n = 3; n <= 60; n += 6) {
      updates.add(
          update(
              "households",
              uuid(n),
              base,
              hlc(t + 200 + n),
              field("head_name", "Awa " + n, hlc(t + 200 + n))));
    }
    base = push("d2", batch("u", updates.toArray(new Change[0]))).getSequence();
    SequenceRange edits =
        push(
                "d1",
                batch(
                    "e",
                    update(
                        "households",
                        uuid(4),
                        base,
                        hlc(t + 300),
                        field("temperature", 38.5, hlc(t + 300))),
                    update(
                        "visits",
                        uuid(101),
                        base,
                        hlc(t + 301),
                        field("note", "again", hlc(t + 301))),
                    delete("households", uuid(70), base, hlc(t + 302)),
                    delete("visits", uuid(120), base, hlc(t + 303))))
            .getWritten();
    d1Wrote.add(edits);
    return d1Wrote;
  }

  private record Scenario(String device, PullRequest first, boolean json) {}

  private static List<Scenario> scenarios(List<SequenceRange> d1Wrote) {
    return List.of(
        new Scenario("d3", PullRequest.newBuilder().setLimit(PAGE).setPacked(true).build(), false),
        new Scenario(
            "d1",
            PullRequest.newBuilder()
                .setLimit(PAGE)
                .setPacked(true)
                .addAllOwnWrites(d1Wrote)
                .build(),
            false),
        new Scenario("d4", PullRequest.newBuilder().setLimit(PAGE).build(), true),
        new Scenario(
            "d5",
            PullRequest.newBuilder()
                .setCursor(40)
                .setSince(40)
                .setLimit(PAGE)
                .setPacked(false)
                .build(),
            false));
  }

  @Test
  void pagesPreparedAheadAreThePagesComputedWithoutPreparation() throws Exception {
    start(0);
    List<SequenceRange> d1Wrote = seed();
    List<List<PullResponse>> without = new ArrayList<>();
    for (Scenario scenario : scenarios(d1Wrote)) {
      without.add(pullAll(server.token(scenario.device()), scenario.first(), scenario.json()));
    }
    assertThat(allLines()).noneMatch(line -> line.contains("prepared=true"));
    server.close();
    server = null;

    start(1);
    List<List<PullResponse>> with = new ArrayList<>();
    for (Scenario scenario : scenarios(d1Wrote)) {
      with.add(pullAll(server.token(scenario.device()), scenario.first(), scenario.json()));
    }

    for (int i = 0; i < with.size(); i++) {
      assertThat(with.get(i))
          .as("pages of %s", scenarios(d1Wrote).get(i))
          .isEqualTo(without.get(i));
    }
    assertThat(without.get(0)).as("pages from 0").hasSizeGreaterThan(10);
    assertThat(without.get(0).stream().mapToInt(PullResponse::getRecordsCount).sum())
        .isGreaterThan(90);
    assertThat(without.get(1).stream().mapToInt(PullResponse::getRecordsCount).sum())
        .as("own writes left out")
        .isLessThan(without.get(0).stream().mapToInt(PullResponse::getRecordsCount).sum());
    long served = 0;
    for (String device : List.of("d1", "d3", "d4", "d5")) {
      served += preparedServed(device);
    }
    assertThat(served).as("pages handed out prepared, of %s", allLines().size()).isPositive();
  }

  /**
   * Another device pushes between the puller's page requests, so the page prepared for the next
   * request may predate the push. Whatever was pushed must still arrive by the end of the loop or
   * the next pull from its final cursor, and the puller, requesting pages as a device does (one
   * {@code since} for a whole run: the cursor where the run began), ends with every record whole:
   * each column of each record equals the server's. Regression: this compared only the fields the
   * puller held, because a record created below a later page's cursor came with only its fields
   * changed above it (fixed in bf93114).
   */
  @SeededTest(seeds = 0x9011_a4eadL)
  void recordsPushedWhilePagesArePreparedAreAllDelivered(long seed) throws Exception {
    start(1);
    seed();
    int nextHousehold = 1000;
    long hlcAt = t + 10_000;
    long base = pull("w", 0, 1).getSequence();
    for (int round = 0; round < 4; round++) {
      long roundSeed = seed + round;
      Random random = new Random(roundSeed);
      String puller = "p" + round;
      String token = server.token(puller);
      Map<String, Map<String, Value>> replica = new LinkedHashMap<>();
      Map<String, Set<String>> pushed = new LinkedHashMap<>();
      PullRequest request = PullRequest.newBuilder().setLimit(PAGE).setPacked(true).build();
      int changes = 0;
      int batches = 0;
      for (int pass = 0; pass < 2; pass++) {
        // the loop to the end, then the next pull from the final cursor
        while (true) {
          PullResponse page = pullProtobuf(token, request);
          apply(replica, page);
          request = next(request, page);
          if (!page.getHasMore()) {
            // the run is over: every record is whole up to its end
            request = request.toBuilder().setSince(page.getNextCursor()).build();
            break;
          }
          if (changes == 0 || random.nextInt(10) < 6) {
            PushRequest.Builder push =
                PushRequest.newBuilder().setBatchId("w" + round + "-" + batches++);
            for (int c = 1 + random.nextInt(3); c > 0; c--) {
              hlcAt++;
              Change change =
                  switch (random.nextInt(3)) {
                    case 0 -> insertHousehold(nextHousehold++, "north", hlc(hlcAt));
                    case 1 ->
                        update(
                            "households",
                            uuid(1 + random.nextInt(69)),
                            base,
                            hlc(hlcAt),
                            field("head_name", "w" + random.nextInt(1000), hlc(hlcAt)));
                    default ->
                        update(
                            "visits",
                            uuid(100 + random.nextInt(30)),
                            base,
                            hlc(hlcAt),
                            field("note", "n" + random.nextInt(1000), hlc(hlcAt)));
                  };
              push.addChanges(change);
              Set<String> columns =
                  pushed.computeIfAbsent(
                      change.getTable() + "/" + change.getRecordId(), k -> new LinkedHashSet<>());
              change.getFieldsList().forEach(field -> columns.add(field.getColumn()));
              changes++;
            }
            base = push("w", push.build()).getSequence();
          }
        }
      }

      PullResponse everything =
          pullProtobuf(
              server.token("ref" + round), PullRequest.newBuilder().setLimit(5000).build());
      assertThat(everything.getHasMore()).isFalse();
      Map<String, Map<String, Value>> server = new LinkedHashMap<>();
      apply(server, everything);
      String where = "seed " + roundSeed + ", " + puller + " after " + changes + " pushed changes";
      assertThat(changes).as(where).isPositive();
      assertThat(request.getSince()).as(where + ": the second run began above 0").isPositive();
      assertThat(replica.keySet()).as(where + ": records").isEqualTo(server.keySet());
      for (Map.Entry<String, Map<String, Value>> record : server.entrySet()) {
        assertThat(replica.get(record.getKey()))
            .as("%s: every column of %s", where, record.getKey())
            .isEqualTo(record.getValue());
      }
      for (Map.Entry<String, Set<String>> written : pushed.entrySet()) {
        for (String column : written.getValue()) {
          assertThat(replica.get(written.getKey()))
              .as("%s: pushed %s.%s", where, written.getKey(), column)
              .containsEntry(column, server.get(written.getKey()).get(column));
        }
      }
    }
  }

  /** Applies a page as a device does: fields over fields, deletes remove. */
  private static void apply(Map<String, Map<String, Value>> replica, PullResponse page) {
    for (Record record : page.getRecordsList()) {
      String key = record.getTable() + "/" + record.getRecordId();
      if (record.getDeleted()) {
        replica.remove(key);
        continue;
      }
      Map<String, Value> fields = replica.computeIfAbsent(key, k -> new LinkedHashMap<>());
      for (Field field : record.getFieldsList()) {
        fields.put(field.getColumn(), field.getValue());
      }
    }
  }

  @Test
  void aRevokedDeviceIsRefusedItsPreparedPage() throws Exception {
    start(1);
    seed();
    String token = server.token("d9");
    PullRequest first = PullRequest.newBuilder().setLimit(PAGE).setPacked(true).build();
    PullResponse page = pullProtobuf(token, first);
    assertThat(page.getHasMore()).isTrue();
    HttpResponse<String> revoked =
        http.postJson(
            "/v1/admin/revoke", server.adminToken(TestServer.TENANT), "{\"device\":\"d9\"}");
    assertThat(revoked.statusCode()).isEqualTo(200);

    HttpResponse<byte[]> refused = postProtobuf(token, next(first, page));

    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(new String(refused.body(), StandardCharsets.UTF_8))
        .isEqualTo(
            "{\"error\":\"unauthorized\",\"message\":\"the tokens of device 'd9' issued up to "
                + Instant.ofEpochMilli(Households.START_MILLIS)
                + " were revoked; get a new token\"}\n");

    server.clock().advance(Duration.ofSeconds(1));
    PullResponse afresh = pullProtobuf(server.token("d9"), next(first, page));
    PullResponse reference = pullProtobuf(server.token("r1"), next(first, page));
    assertThat(afresh).isEqualTo(reference);
    assertThat(pullLines("d9")).hasSize(2);
    assertThat(preparedServed("d9")).as("a new token's claims differ: computed afresh").isZero();
  }

  @Test
  void aPreparedLastPageIsComputedAgainAfterACommit() throws Exception {
    start(1);
    seed();
    String token = server.token("d9");
    int total =
        pullProtobuf(
                server.token("r1"),
                PullRequest.getDefaultInstance().toBuilder().setLimit(10_000).build())
            .getRecordsCount();
    PullRequest first = PullRequest.newBuilder().setLimit(total - 1).setPacked(true).build();
    PullResponse page = pullProtobuf(token, first);
    assertThat(page.getHasMore()).isTrue();
    PullAhead<?, ?> ahead = ServerInternals.pullAhead(server.server());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!ahead.isReady("acme\u0000d9")) {
      assertThat(System.nanoTime()).as("the last page is prepared").isLessThan(deadline);
      Thread.onSpinWait();
    }
    PushResponse pushed = push("d2", batch("late", insertHousehold(900, "late", hlc(t + 900))));

    PullResponse last = pullProtobuf(token, next(first, page));

    assertThat(last.getHasMore()).isFalse();
    assertThat(last.getNextCursor()).isEqualTo(pushed.getSequence());
    assertThat(last.getRecordsList()).extracting(Record::getRecordId).contains(uuid(900));
    assertThat(preparedServed("d9")).as("the prepared page ended before the commit").isZero();
  }

  @Test
  void aRequestOtherThanThePreparedOneIsComputedAfresh() throws Exception {
    start(1);
    List<SequenceRange> d1Wrote = seed();
    String token = server.token("d6");
    PullRequest first = PullRequest.newBuilder().setLimit(PAGE).setPacked(true).build();
    PullResponse page = pullProtobuf(token, first);
    PullRequest prepared = next(first, page);
    AtomicInteger references = new AtomicInteger();

    // another limit
    PullRequest otherLimit = prepared.toBuilder().setLimit(5).build();
    assertThat(pullProtobuf(token, otherLimit))
        .isEqualTo(pullProtobuf(server.token("r" + references.incrementAndGet()), otherLimit));
    // another cursor (now the prepared page is the one after the limit-5 page)
    assertThat(pullProtobuf(token, prepared))
        .isEqualTo(pullProtobuf(server.token("r" + references.incrementAndGet()), prepared));
    // the same request, but answered in JSON (the prepared one is protobuf)
    PullRequest after = next(prepared, pullProtobuf(server.token("r0"), prepared));
    PullResponse json = pullJson(token, after);
    assertThat(json)
        .isEqualTo(pullProtobuf(server.token("r" + references.incrementAndGet()), after));
    // the same request naming own writes
    PullRequest afterJson = next(after, json);
    PullRequest ownWrites = afterJson.toBuilder().addAllOwnWrites(d1Wrote).build();
    assertThat(pullProtobuf(token, ownWrites))
        .isEqualTo(pullProtobuf(server.token("r" + references.incrementAndGet()), ownWrites));
    // the same request by another device
    assertThat(pullProtobuf(server.token("d7"), afterJson))
        .isEqualTo(pullProtobuf(server.token("r" + references.incrementAndGet()), afterJson));

    assertThat(pullLines("d6")).hasSize(5);
    assertThat(preparedServed("d6")).isZero();
    assertThat(preparedServed("d7")).isZero();
  }
}
