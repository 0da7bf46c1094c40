package io.fieldsync.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.SyncException;
import io.fieldsync.TransportException;
import io.fieldsync.client.transport.EncodedPush;
import io.fieldsync.client.transport.HttpTransport;
import io.fieldsync.client.transport.Transport;
import io.fieldsync.testkit.FaultyTransport;
import io.fieldsync.testkit.FaultyTransport.Fault;
import io.fieldsync.testkit.SeededTest;
import io.fieldsync.testkit.TestDevice;
import io.fieldsync.testkit.TestServer;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PullResponse;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import io.fieldsync.wire.SchemaResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The device's push path end to end: rows written by plain SQL, captured, pushed in many batches
 * through a network that loses responses and sends pushes twice, acknowledged; the server ends with
 * exactly the rows the test wrote (no change lost or applied twice) and the outbox is empty.
 */
class OutboxPushTest {
  private static final String INSERT =
      "INSERT INTO households (id, region, head_name, members, visit_count, tags, notes)"
          + " VALUES (?, ?, ?, ?, 0, '[]', ?)";

  @TempDir Path dir;
  TestServer server;

  @BeforeEach
  void startServer() {
    server = TestServer.start(dir);
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  @SeededTest(runs = 2)
  void plainSqlEditsPushedThroughLostAndDuplicatedPushesArriveExactlyOnce(long seed)
      throws Exception {
    SplittableRandom random = new SplittableRandom(seed);
    FaultyTransport network =
        FaultyTransport.http(server.uri(), server.token("tablet"), seed)
            .pushRate(Fault.DROP_RESPONSE, 0.25)
            .pushRate(Fault.DUPLICATE, 0.25)
            // The first sync pushes before it pulls: every seed sees both faults at least once.
            .script(Fault.DROP_RESPONSE, Fault.DUPLICATE);
    // The application keeps writing while batches are out (and the next one is being made).
    WritingTransport writing = new WritingTransport(network);
    TestDevice device =
        server.device("tablet", builder -> builder.transport(writing).batchSize(40));
    Model model = new Model();
    writing.duringPush =
        () -> {
          try (Connection connection = device.client().connection()) {
            connection.setAutoCommit(false);
            for (int op = 0; op < 5; op++) {
              model.randomEdit(connection, random);
            }
            connection.commit();
          } catch (SQLException e) {
            throw new IllegalStateException(e);
          }
        };
    int pushedBatches = 0;
    int leastBatches = 0;
    for (int round = 0; round < 4; round++) {
      Set<String> before = new HashSet<>(model.rows.keySet());
      Set<String> touched = new HashSet<>();
      try (Connection connection = device.client().connection()) {
        connection.setAutoCommit(false);
        for (int op = 0; op < 150; op++) {
          touched.add(model.randomEdit(connection, random));
        }
        connection.commit();
      }
      // Each record touched must go out, except one inserted and deleted before the sync; a
      // batch holds at most 40.
      long outgoing =
          touched.stream().filter(id -> before.contains(id) || model.rows.containsKey(id)).count();
      leastBatches += (int) ((outgoing + 39) / 40);
      device.syncThroughFaults();
      pushedBatches = network.pushes().size();
    }
    writing.duringPush = () -> {};
    syncUntilDone(device);

    assertThat(leastBatches).as("batches the rounds' edits need at the least").isGreaterThan(4);
    assertThat(pushedBatches)
        .as("push calls, retries included")
        .isGreaterThanOrEqualTo(leastBatches);
    assertThat(network.count(Fault.DROP_RESPONSE)).as("lost responses").isPositive();
    assertThat(network.count(Fault.DUPLICATE)).as("duplicated pushes").isPositive();
    assertBothHold(device, model);
  }

  @Test
  void largeValuesGoOutInSeveralRequestsUnderTheBodyLimit() throws Exception {
    FaultyTransport network =
        FaultyTransport.http(server.uri(), server.token("tablet"), 7)
            .pushRate(Fault.DROP_RESPONSE, 0.3);
    TestDevice device = server.device("tablet", builder -> builder.transport(network));
    Model model = new Model();
    SplittableRandom random = new SplittableRandom(7);
    try (Connection connection = device.client().connection()) {
      connection.setAutoCommit(false);
      for (int n = 0; n < 40; n++) {
        // 200 KB of notes each: 8 MB in all, more than one request may carry.
        model.insert(connection, random, "x".repeat(200_000 - 10) + String.format("%010d", n));
      }
      connection.commit();
    }

    syncUntilDone(device);

    List<PushRequest> pushes = network.pushes();
    assertThat(pushes.stream().map(PushRequest::getBatchId).distinct().count())
        .as("distinct batches")
        .isGreaterThan(1);
    assertThat(pushes).allSatisfy(push -> assertThat(push.getSerializedSize()).isLessThan(6 << 20));
    assertThat(households(server.snapshot().rows("households"))).isEqualTo(model.rows);
    assertThat(server.snapshot().rows("households").values())
        .extracting(row -> ((String) row.get("notes")).length())
        .containsOnly(200_000);
    assertOutboxEmpty(device);
  }

  @SeededTest(runs = 2)
  void aBatchWhoseAnswerWasLostIsSentAgainAsTheVeryBytesStoredBeforeIt(long seed) throws Exception {
    SplittableRandom random = new SplittableRandom(seed);
    BodyTransport network =
        new BodyTransport(new HttpTransport(server.uri(), server.token("tablet")), seed);
    TestDevice device =
        server.device("tablet", builder -> builder.transport(network).batchSize(25));
    Model model = new Model();
    for (int round = 0; round < 3; round++) {
      model.randomEdits(device, random, 120);
      for (int attempt = 0; ; attempt++) {
        assertThat(attempt).as("sync attempts").isLessThan(200);
        try {
          device.client().syncNow();
          break;
        } catch (TransportException lost) {
          // As after a crash: the next attempt starts from what the database stored.
          device = server.reopen(device, builder -> builder.transport(network).batchSize(25));
        }
      }
    }

    assertThat(network.lost).as("lost answers").isPositive();
    assertThat(network.resent).as("batches sent again").isEqualTo(network.lost);
    assertThat(network.differentBytes).as("batches sent again with other bytes").isEmpty();
    assertBothHold(device, model);
  }

  @SeededTest(runs = 3)
  void anAnswerStoredWhileTheNextBatchWentOutIsAcknowledgedOnceAfterTheAcknowledgementFailed(
      long seed) throws Exception {
    SplittableRandom random = new SplittableRandom(seed);
    Model model = new Model();
    RecordingTransport network =
        new RecordingTransport(new HttpTransport(server.uri(), server.token("tablet")));
    TestDevice device =
        server.device("tablet", builder -> builder.transport(network).batchSize(20));
    device.sql("CREATE TABLE test_acks (n INTEGER NOT NULL)", "INSERT INTO test_acks VALUES (0)");
    int trapped = 0;
    for (int round = 0; round < 3; round++) {
      model.randomEdits(device, random, 150);
      // The first or second acknowledgement made while the next batch is out fails (as if the
      // process died before it committed): the answer it was for waits in the database, with the
      // next batch inflight, already applied by the server.
      device.sql(
          "UPDATE test_acks SET n = 0",
          "CREATE TRIGGER test_no_ack BEFORE DELETE ON _fs_answered BEGIN UPDATE test_acks SET n"
              + " = n + 1; SELECT RAISE(ABORT, 'no acknowledgement') WHERE (SELECT n FROM"
              + " test_acks) >= "
              + (1 + random.nextInt(2))
              + "; END");
      try {
        device.client().syncNow();
      } catch (SyncException expected) {
        trapped++;
        assertThat(device.scalar("SELECT count(*) FROM _fs_answered"))
            .as("answers waiting for their acknowledgement")
            .isEqualTo(1L);
        assertThat(device.scalar("SELECT count(*) FROM _fs_inflight"))
            .as("batches sent and not acknowledged")
            .isEqualTo(1L);
      }
      device.sql("DROP TRIGGER test_no_ack");
      if (random.nextBoolean()) {
        device = server.reopen(device, builder -> builder.transport(network).batchSize(20));
      }
      syncUntilDone(device);
    }
    Set<Long> deviceBatches = new HashSet<>();
    Map<String, Long> numbers = new HashMap<>();
    for (PushRequest push : network.pushes) {
      deviceBatches.add(push.getDeviceBatch());
      assertThat(numbers.putIfAbsent(push.getBatchId(), push.getDeviceBatch()))
          .as("number of batch %s sent again", push.getBatchId())
          .isIn(null, push.getDeviceBatch());
    }

    assertThat(trapped).as("syncs stopped with an answer stored").isEqualTo(3);
    assertThat(deviceBatches)
        .as("device batch numbers: none skipped, none reused")
        .hasSize(numbers.size())
        .hasSize((int) (long) Collections.max(deviceBatches));
    assertBothHold(device, model);
  }

  /**
   * An answer kept in {@code _fs_answered} whose log rows something else removed (a library that
   * did not know the table acknowledged the batch after it) is dropped, not acknowledged: its log
   * ids now belong to newer edits, which its acknowledgement would delete unsent.
   */
  @SeededTest(runs = 2)
  void anAnswerWhoseLogRowsAreGoneIsDroppedAndTheNewerEditsUnderItsIdsGoOut(long seed)
      throws Exception {
    SplittableRandom random = new SplittableRandom(seed);
    Model model = new Model();
    TestDevice device = server.device("tablet", builder -> builder.batchSize(20));
    model.randomEdits(device, random, 40);
    syncUntilDone(device);
    model.randomEdits(device, random, 30 + random.nextInt(30));
    long lastRow = (Long) device.scalar("SELECT max(id) FROM _fs_changelog");
    long stale = 1 + random.nextLong(lastRow);
    device.sql(
        "INSERT INTO _fs_answered (id, max_log_id, max_log_hlc, request, response) VALUES (1, "
            + stale
            + ", (SELECT hlc - 1 FROM _fs_changelog WHERE id = "
            + stale
            + "), x'00', x'00')");

    syncUntilDone(device);

    assertBothHold(device, model);
  }

  /** Hands the encoded pushes on and keeps each request sent. */
  private static final class RecordingTransport extends EncodedOnly {
    final List<PushRequest> pushes = new ArrayList<>();

    RecordingTransport(Transport delegate) {
      super(delegate);
    }

    @Override
    public PushResponse push(EncodedPush push) {
      pushes.add(push.request());
      return delegate.push(push);
    }
  }

  /** Hands schema and pull requests on; the device's pushes must come encoded. */
  private abstract static class EncodedOnly implements Transport {
    final Transport delegate;

    EncodedOnly(Transport delegate) {
      this.delegate = delegate;
    }

    @Override
    public SchemaResponse schema() {
      return delegate.schema();
    }

    @Override
    public PushResponse push(PushRequest request) {
      throw new AssertionError("the device sends its pushes encoded");
    }

    @Override
    public PullResponse pull(PullRequest request) {
      return delegate.pull(request);
    }
  }

  /**
   * Sends the encoded bodies the device hands over and loses about a third of the answers (after
   * the server committed); records which batches came again and with which bytes.
   */
  private static final class BodyTransport extends EncodedOnly {
    private final SplittableRandom random;
    private final Map<String, byte[]> sent = new HashMap<>();
    final List<String> differentBytes = new ArrayList<>();
    int lost;
    int resent;

    BodyTransport(Transport delegate, long seed) {
      super(delegate);
      this.random = new SplittableRandom(seed);
    }

    @Override
    public PushResponse push(EncodedPush push) {
      String batch = push.request().getBatchId();
      byte[] first = sent.putIfAbsent(batch, push.body().clone());
      if (first != null) {
        resent++;
        if (!Arrays.equals(first, push.body())) {
          differentBytes.add(batch);
        }
      }
      PushResponse response = delegate.push(push);
      if (random.nextInt(3) == 0) {
        lost++;
        throw new TransportException("the answer to batch " + batch + " was lost");
      }
      return response;
    }
  }

  /** Runs {@link #duringPush} before each push goes out. */
  private static final class WritingTransport implements Transport {
    private final Transport delegate;
    Runnable duringPush = () -> {};

    WritingTransport(Transport delegate) {
      this.delegate = delegate;
    }

    @Override
    public SchemaResponse schema() {
      return delegate.schema();
    }

    @Override
    public PushResponse push(PushRequest request) {
      duringPush.run();
      return delegate.push(request);
    }

    @Override
    public PullResponse pull(PullRequest request) {
      return delegate.pull(request);
    }
  }

  private static void syncUntilDone(TestDevice device) {
    device.syncThroughFaults();
    assertThat(device.client().status().pending()).as("pending after a sync").isZero();
  }

  /** The server and the device hold exactly the model's households; nothing is left to push. */
  private void assertBothHold(TestDevice device, Model model) {
    assertThat(households(server.snapshot().rows("households")))
        .as("the server's households")
        .isEqualTo(model.rows);
    assertThat(households(device.snapshot().rows("households")))
        .as("the device's households")
        .isEqualTo(model.rows);
    assertOutboxEmpty(device);
  }

  private static void assertOutboxEmpty(TestDevice device) {
    assertThat(device.scalar("SELECT count(*) FROM _fs_changelog")).isEqualTo(0L);
    assertThat(device.scalar("SELECT count(*) FROM _fs_inflight")).isEqualTo(0L);
    assertThat(device.scalar("SELECT count(*) FROM _fs_answered")).isEqualTo(0L);
    assertThat(device.client().status().pending()).isZero();
  }

  /** The columns the test writes, of every household, by id. */
  private static Map<String, Map<String, Object>> households(
      Map<String, Map<String, Object>> rows) {
    Map<String, Map<String, Object>> result = new TreeMap<>();
    rows.forEach(
        (id, row) -> {
          Map<String, Object> columns = new LinkedHashMap<>();
          for (String column : Model.COLUMNS) {
            columns.put(column, row.get(column));
          }
          result.put(id, columns);
        });
    return result;
  }

  /** What the server must hold, computed from the edits the test made. */
  private static final class Model {
    static final List<String> COLUMNS = List.of("region", "head_name", "members", "visit_count");

    final Map<String, Map<String, Object>> rows = new TreeMap<>();
    private int created;

    /** Makes {@code count} edits in one transaction of the application's connection. */
    void randomEdits(TestDevice device, SplittableRandom random, int count) throws SQLException {
      try (Connection connection = device.client().connection()) {
        connection.setAutoCommit(false);
        for (int op = 0; op < count; op++) {
          randomEdit(connection, random);
        }
        connection.commit();
      }
    }

    /** Makes one edit and returns the id of the record it touched. */
    String randomEdit(Connection connection, SplittableRandom random) throws SQLException {
      int kind = random.nextInt(100);
      if (rows.isEmpty() || kind < 30) {
        return insert(connection, random, null);
      }
      List<String> ids = new ArrayList<>(rows.keySet());
      String id = ids.get(random.nextInt(ids.size()));
      Map<String, Object> row = rows.get(id);
      if (kind < 50) {
        String head = "head-" + random.nextInt(1_000_000);
        run(connection, "UPDATE households SET head_name = ? WHERE id = ?", head, id);
        row.put("head_name", head);
      } else if (kind < 70) {
        long visits = 1 + random.nextInt(5);
        run(
            connection,
            "UPDATE households SET visit_count = visit_count + ? WHERE id = ?",
            visits,
            id);
        row.put("visit_count", (Long) row.get("visit_count") + visits);
      } else if (kind < 85) {
        long members = 1 + random.nextInt(12);
        run(connection, "UPDATE households SET members = ? WHERE id = ?", members, id);
        // members is a max column: the largest value written wins.
        row.put("members", Math.max((Long) row.get("members"), members));
      } else if (kind < 93) {
        long visits = 1 + random.nextInt(3);
        String head = "both-" + random.nextInt(1_000_000);
        run(
            connection,
            "UPDATE households SET visit_count = visit_count + ?, head_name = ? WHERE id = ?",
            visits,
            head,
            id);
        row.put("visit_count", (Long) row.get("visit_count") + visits);
        row.put("head_name", head);
      } else {
        run(connection, "DELETE FROM households WHERE id = ?", id);
        rows.remove(id);
      }
      return id;
    }

    String insert(Connection connection, SplittableRandom random, String notes)
        throws SQLException {
      String id = new UUID(0x0190f3a400007000L, 0x8000000000000000L | ++created).toString();
      String region = "region-" + random.nextInt(4);
      String head = "head-" + random.nextInt(1_000_000);
      long members = 1 + random.nextInt(6);
      run(connection, INSERT, id, region, head, members, notes);
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("region", region);
      row.put("head_name", head);
      row.put("members", members);
      row.put("visit_count", 0L);
      rows.put(id, row);
      return id;
    }

    private static void run(Connection connection, String sql, Object... args) throws SQLException {
      try (PreparedStatement statement = connection.prepareStatement(sql)) {
        for (int i = 0; i < args.length; i++) {
          statement.setObject(i + 1, args[i]);
        }
        statement.executeUpdate();
      }
    }
  }
}
