package io.fieldsync.live;

import static io.fieldsync.live.LiveSchema.uuid;
import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.client.Sqlite3Shell;
import io.fieldsync.client.SyncWorker;
import io.fieldsync.client.WorkerEvent;
import io.fieldsync.store.StoredRecord;
import io.fieldsync.testkit.Eventually;
import io.fieldsync.testkit.TestDevice;
import io.fieldsync.testkit.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the worker finds local writes: commits through the library's connections wake it at once,
 * commits of other connections and processes are found by its poll, and a burst of writes goes out
 * in a few syncs, not one per write.
 */
class WorkerWriteDetectionTest {
  @TempDir Path dir;
  TestServer server;

  @BeforeEach
  void startServer() {
    server = TestServer.builder(dir).schema(LiveSchema.YAML).start();
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  /** No live channel, no interval within the test: only a found write makes the worker sync. */
  private static UnaryOperator<FieldSyncClient.Builder> writesOnly(
      Duration writePoll, Duration debounce) {
    return builder ->
        builder
            .live(false)
            .writePoll(writePoll)
            .debounce(debounce)
            .syncInterval(Duration.ofHours(1))
            .workerSeed(SyncWorkerTest.SEED);
  }

  @Test
  void aCommitThroughTheLibraryConnectionSyncsWithoutWaitingForThePoll() throws Exception {
    TestDevice device = server.device("a", writesOnly(Duration.ofHours(1), Duration.ofMillis(25)));
    WorkerEvents events = new WorkerEvents();
    SyncWorker worker = started(device, events);

    LiveSchema.insertHousehold(device, 1, "Ada");

    awaitOnServer(List.of(uuid(1)));
    assertThat(writeCycles(events)).isGreaterThanOrEqualTo(1);
    assertThat(worker.status().pending()).isZero();
  }

  @Test
  void aCommitOfAnotherConnectionIsFoundByThePoll() throws Exception {
    TestDevice device =
        server.device("a", writesOnly(Duration.ofMillis(20), Duration.ofMillis(25)));
    WorkerEvents events = new WorkerEvents();
    started(device, events);

    try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + device.database());
        PreparedStatement insert =
            other.prepareStatement(
                "INSERT INTO households (id, region, head_name) VALUES (?, 'north', 'Bo')")) {
      insert.setString(1, uuid(2));
      insert.executeUpdate();
    }

    awaitOnServer(List.of(uuid(2)));
    assertThat(writeCycles(events)).isGreaterThanOrEqualTo(1);
  }

  @Test
  void aWriteByTheSqlite3ShellProcessIsFoundByThePoll() throws Exception {
    Path sqlite3 = Sqlite3Shell.require();
    TestDevice device =
        server.device("a", writesOnly(Duration.ofMillis(20), Duration.ofMillis(25)));
    WorkerEvents events = new WorkerEvents();
    started(device, events);

    Path log = dir.resolve("sqlite3.log");
    Process shell =
        new ProcessBuilder(
                sqlite3.toString(),
                "-cmd",
                ".timeout 10000",
                device.database().toString(),
                "INSERT INTO households (id, region, head_name) VALUES ('"
                    + uuid(3)
                    + "', 'north', 'Cy')")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    assertThat(shell.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(shell.exitValue()).as("sqlite3 output: %s", Files.readString(log)).isZero();

    awaitOnServer(List.of(uuid(3)));
    assertThat(writeCycles(events)).isGreaterThanOrEqualTo(1);
  }

  @Test
  void aBurstOfWritesGoesOutInAFewSyncsWithEveryWrite() throws Exception {
    int writes = 200;
    // A debounce long against the burst, so the count of syncs does not depend on the machine's
    // speed: the first write syncs at once, the rest wait for the quiet time after that sync.
    TestDevice device =
        server.device("a", writesOnly(Duration.ofMillis(20), Duration.ofSeconds(2)));
    WorkerEvents events = new WorkerEvents();
    started(device, events);

    List<String> ids = new ArrayList<>();
    long started = System.nanoTime();
    try (Connection app = device.client().connection();
        PreparedStatement insert =
            app.prepareStatement(
                "INSERT INTO households (id, region, head_name) VALUES (?, 'north', ?)")) {
      for (int i = 0; i < writes; i++) {
        String id = uuid(1000 + i);
        insert.setString(1, id);
        insert.setString(2, "burst " + i);
        insert.executeUpdate(); // autocommit: one commit per write
        ids.add(id);
      }
    }
    long burstMillis = (System.nanoTime() - started) / 1_000_000;

    Map<String, StoredRecord> onServer = awaitOnServer(ids);
    for (int i = 0; i < writes; i++) {
      assertThat(onServer.get(ids.get(i)).values().get("head_name")).isEqualTo("burst " + i);
    }
    // One sync per 2 s of burst after the first, one for the writes during the first sync.
    long bound = 2 + burstMillis / 2_000;
    assertThat(writeCycles(events)).as("burst of %d ms", burstMillis).isBetween(1L, bound);
    Eventually.until("the outbox to empty", () -> LiveSchema.count(device, "_fs_changelog") == 0);
  }

  private static SyncWorker started(TestDevice device, WorkerEvents events) throws Exception {
    SyncWorker worker = device.client().startWorker();
    worker.addListener(events.all::add);
    Eventually.until("the first sync", () -> worker.status().lastSuccessAt() != null);
    return worker;
  }

  private Map<String, StoredRecord> awaitOnServer(List<String> ids) throws Exception {
    Eventually.until(
        ids.size() + " households on the server",
        () -> server.store().records(TestServer.TENANT, "households", ids).size() == ids.size());
    return server.store().records(TestServer.TENANT, "households", ids);
  }

  private static long writeCycles(WorkerEvents events) {
    return events.of(WorkerEvent.Syncing.class).stream()
        .filter(syncing -> syncing.trigger().equals("write"))
        .count();
  }
}
