package io.fieldsync.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.ConfigException;
import io.fieldsync.TransportException;
import io.fieldsync.client.internal.state.Jdbc;
import io.fieldsync.client.transport.EncodedPush;
import io.fieldsync.client.transport.HttpTransport;
import io.fieldsync.client.transport.Transport;
import io.fieldsync.testkit.SeededTest;
import io.fieldsync.testkit.TestDevice;
import io.fieldsync.testkit.TestServer;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PullResponse;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import io.fieldsync.wire.RecordsRequest;
import io.fieldsync.wire.RecordsResponse;
import io.fieldsync.wire.SchemaResponse;
import io.fieldsync.wire.VerifyRequest;
import io.fieldsync.wire.VerifyResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A freshly opened client's first sync asks for the server's schema while it makes its first push
 * batch. Whatever the answer (the same schema, a newer one to migrate to, a token of another
 * device, no answer), nothing is stored for sending or sent before it arrived, a batch made for a
 * schema the device left is made again, and every edit reaches the server exactly once.
 */
class FirstSyncSchemaCheckTest {
  private static final String V1 =
      """
      version: 1
      tables:
        items:
          columns:
            id:    { type: text, primary_key: true }
            label: { type: text }
            n:     { type: integer, conflict: sum }
      """;
  private static final String V2 =
      V1.replace("version: 1", "version: 2") + "      extra: { type: text }\n";

  @TempDir Path dir;
  TestServer server;

  @BeforeEach
  void startServer() {
    server = TestServer.builder(dir).schema(V1).start();
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  @SeededTest(runs = 3)
  void editsPendingAtOpenReachTheServerOnceWhetherOrNotTheFirstSyncMigrates(long seed)
      throws Exception {
    SplittableRandom random = new SplittableRandom(seed);
    server.device("a").close();
    Model model = new Model();
    Watching network = null;
    List<Long> batchNumbers = new ArrayList<>();
    for (int round = 0; round < 4; round++) {
      boolean moves = round == 2;
      if (moves) {
        server.restartWith(V2);
      }
      try (Connection connection = sqlite(dir.resolve("a.db"))) {
        connection.setAutoCommit(false);
        int edits = 20 + random.nextInt(60);
        for (int op = 0; op < edits; op++) {
          model.randomEdit(connection, random, round >= 3);
        }
        connection.commit();
      }
      network = new Watching(server, dir.resolve("a.db"));
      Watching watched = network;
      try (TestDevice device =
          server.open("a", builder -> builder.transport(watched).batchSize(7))) {
        device.sync();

        assertThat(device.client().schema().version()).isEqualTo(round >= 2 ? 2 : 1);
        assertThat(device.scalar("SELECT count(*) FROM _fs_changelog")).isEqualTo(0L);
        assertThat(device.scalar("SELECT count(*) FROM _fs_inflight")).isEqualTo(0L);
      }
      assertThat(network.calls.get(0))
          .as("the first request of an opened client")
          .isEqualTo("schema");
      assertThat(network.storedBeforeAnswer).as("batches stored before the schema answer").isZero();
      assertThat(network.pushes).as("pushes of round " + round).isNotEmpty();
      assertThat(network.pushes)
          .as("schema version of every push after the schema check")
          .extracting(PushRequest::getSchemaVersion)
          .containsOnly(round >= 2 ? 2 : 1);
      network.pushes.forEach(push -> batchNumbers.add(push.getDeviceBatch()));
      assertThat(rows(server.snapshot().rows("items"), round >= 3))
          .as("the server's items after round " + round)
          .isEqualTo(model.rows(round >= 3));
    }
    List<Long> expected = new ArrayList<>();
    for (long n = 1; n <= batchNumbers.size(); n++) {
      expected.add(n);
    }
    assertThat(batchNumbers)
        .as("device batch numbers: none skipped, none twice")
        .isEqualTo(expected);
  }

  @Test
  void aTokenOfAnotherDeviceOrNoAnswerLeavesThePendingEditsUnsentThenTheyGoOutOnce()
      throws Exception {
    server.device("a").close();
    Model model = new Model();
    SplittableRandom random = new SplittableRandom(11);
    try (Connection connection = sqlite(dir.resolve("a.db"))) {
      connection.setAutoCommit(false);
      for (int op = 0; op < 40; op++) {
        model.randomEdit(connection, random, false);
      }
      connection.commit();
    }
    Watching otherDevice = new Watching(server, dir.resolve("a.db"), server.token("b"));
    try (TestDevice device =
        server.open("a", builder -> builder.transport(otherDevice).batchSize(7))) {
      long pending = (Long) device.scalar("SELECT count(*) FROM _fs_changelog");

      assertThatThrownBy(device::sync)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("device 'b'");

      assertThat(otherDevice.pushes).isEmpty();
      assertThat(device.scalar("SELECT count(*) FROM _fs_changelog")).isEqualTo(pending);
      assertThat(device.scalar("SELECT count(*) FROM _fs_inflight")).isEqualTo(0L);
    }
    Watching unanswered = new Watching(server, dir.resolve("a.db"));
    unanswered.schemaFailures.set(1);
    try (TestDevice device =
        server.open("a", builder -> builder.transport(unanswered).batchSize(7))) {
      assertThatThrownBy(device::sync).isInstanceOf(TransportException.class);
      assertThat(unanswered.pushes).isEmpty();
      assertThat(device.scalar("SELECT count(*) FROM _fs_inflight")).isEqualTo(0L);

      device.sync();
    }
    assertThat(unanswered.calls.subList(0, 2)).containsExactly("schema", "schema");
    assertThat(unanswered.storedBeforeAnswer).isZero();
    assertThat(server.snapshot().rows("items").keySet()).isEqualTo(model.rows.keySet());
    assertThat(rows(server.snapshot().rows("items"), false)).isEqualTo(model.rows(false));
  }

  private static Connection sqlite(Path database) throws SQLException {
    return DriverManager.getConnection("jdbc:sqlite:" + database);
  }

  /** The columns the test writes, of every row, by id. */
  private static Map<String, Map<String, Object>> rows(
      Map<String, Map<String, Object>> rows, boolean withExtra) {
    Map<String, Map<String, Object>> result = new TreeMap<>();
    rows.forEach(
        (id, row) -> {
          Map<String, Object> columns = new LinkedHashMap<>();
          columns.put("label", row.get("label"));
          columns.put("n", row.get("n"));
          if (withExtra) {
            columns.put("extra", row.get("extra"));
          }
          result.put(id, columns);
        });
    return result;
  }

  /**
   * HTTP to the server; records the order of calls and the pushes, slows the schema answer down (so
   * the first batch is certainly made meanwhile) and checks, as it answers, that no batch was
   * stored for sending before it.
   */
  private static final class Watching implements Transport {
    private final Transport delegate;
    private final Path database;
    final List<String> calls = new ArrayList<>();
    final List<PushRequest> pushes = new ArrayList<>();
    final AtomicInteger schemaFailures = new AtomicInteger();
    long storedBeforeAnswer;

    Watching(TestServer server, Path database) {
      this(server, database, server.token("a"));
    }

    Watching(TestServer server, Path database, String token) {
      this.delegate = new HttpTransport(server.uri(), token);
      this.database = database;
    }

    @Override
    public synchronized SchemaResponse schema() {
      calls.add("schema");
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      try (Connection connection = sqlite(database)) {
        storedBeforeAnswer += new Jdbc(connection).count("_fs_inflight");
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
      if (schemaFailures.getAndDecrement() > 0) {
        throw new TransportException("the schema request went unanswered");
      }
      return delegate.schema();
    }

    @Override
    public synchronized PushResponse push(PushRequest request) {
      throw new AssertionError("the device sends its pushes encoded");
    }

    @Override
    public synchronized PushResponse push(EncodedPush push) {
      calls.add("push");
      pushes.add(push.request());
      return delegate.push(push);
    }

    @Override
    public synchronized PullResponse pull(PullRequest request) {
      calls.add("pull");
      return delegate.pull(request);
    }

    @Override
    public synchronized VerifyResponse verify(VerifyRequest request) {
      calls.add("verify");
      return delegate.verify(request);
    }

    @Override
    public synchronized RecordsResponse records(RecordsRequest request) {
      calls.add("records");
      return delegate.records(request);
    }
  }

  /** What the server must hold, computed from the edits the test made. */
  private static final class Model {
    final Map<String, Map<String, Object>> rows = new TreeMap<>();
    private int created;

    void randomEdit(Connection connection, SplittableRandom random, boolean extra)
        throws SQLException {
      Jdbc jdbc = new Jdbc(connection);
      int kind = random.nextInt(100);
      if (rows.isEmpty() || kind < 35) {
        String id = String.format("item-%05d", ++created);
        String label = "label-" + random.nextInt(1_000_000);
        long n = random.nextInt(10);
        jdbc.update("INSERT INTO items (id, label, n) VALUES (?, ?, ?)", id, label, n);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("label", label);
        row.put("n", n);
        row.put("extra", null);
        rows.put(id, row);
        return;
      }
      List<String> ids = new ArrayList<>(rows.keySet());
      String id = ids.get(random.nextInt(ids.size()));
      Map<String, Object> row = rows.get(id);
      if (kind < 55) {
        String label = "relabelled-" + random.nextInt(1_000_000);
        jdbc.update("UPDATE items SET label = ? WHERE id = ?", label, id);
        row.put("label", label);
      } else if (kind < 85) {
        long add = 1 + random.nextInt(5);
        jdbc.update("UPDATE items SET n = n + ? WHERE id = ?", add, id);
        row.put("n", (Long) row.get("n") + add);
      } else if (kind < 93 && extra) {
        String value = "extra-" + random.nextInt(1_000_000);
        jdbc.update("UPDATE items SET extra = ? WHERE id = ?", value, id);
        row.put("extra", value);
      } else {
        jdbc.update("DELETE FROM items WHERE id = ?", id);
        rows.remove(id);
      }
    }

    Map<String, Map<String, Object>> rows(boolean withExtra) {
      return FirstSyncSchemaCheckTest.rows(rows, withExtra);
    }
  }
}
