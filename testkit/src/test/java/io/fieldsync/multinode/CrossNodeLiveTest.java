package io.fieldsync.multinode;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.client.SyncWorker;
import io.fieldsync.client.WorkerEvent;
import io.fieldsync.client.WorkerStatus;
import io.fieldsync.store.StoreOptions;
import io.fieldsync.store.SyncStores;
import io.fieldsync.store.postgres.testing.TestDatabase;
import io.fieldsync.store.postgres.testing.TestPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two server nodes on one PostgreSQL database: a commit through node 1 pokes a device whose live
 * channel is open on node 2 (LISTEN/NOTIFY), end to end. The store-level half is
 * CommitNotificationTest.
 */
class CrossNodeLiveTest {
  /** Far longer than the test: only a poke can start B's next cycle. */
  private static final Duration INTERVAL = Duration.ofMinutes(10);

  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir Path dir;
  private TestDatabase database;
  private Cluster cluster;
  private final List<FieldSyncClient> clients = new ArrayList<>();

  @AfterEach
  void closeAll() {
    try {
      for (FieldSyncClient client : clients) {
        client.close();
      }
      if (cluster != null) {
        cluster.close();
      }
    } finally {
      if (database != null) {
        TestPostgres.dropDatabase(database);
      }
    }
  }

  @Test
  void aCommitThroughOneNodePokesALiveDeviceOnTheOtherNode() throws Exception {
    database = TestPostgres.newDatabase("crossnodelive");
    StoreOptions options = new StoreOptions(4, 10_000);
    cluster =
        new Cluster(
            List.of(
                SyncStores.open(database.location(), options),
                SyncStores.open(database.location(), options)));
    FieldSyncClient a = device("tablet-a", 0);
    FieldSyncClient b =
        device(
            "tablet-b",
            1,
            builder ->
                builder
                    .syncInterval(INTERVAL)
                    .debounce(Duration.ofMillis(50))
                    .backoff(Duration.ofMillis(50), Duration.ofMillis(400))
                    .workerSeed(7));
    SyncWorker worker = b.startWorker();
    List<WorkerEvent> events = new CopyOnWriteArrayList<>();
    worker.addListener(events::add);
    await(
        "device b's first cycle and its live channel to node 2",
        () -> {
          WorkerStatus status = worker.status();
          return status.live() && status.lastSuccessAt() != null && !status.syncing();
        },
        () -> "status " + worker.status() + ", events " + events);
    assertThat(cluster.servers.get(1).liveDevices()).as("live devices on node 2").isEqualTo(1);
    assertThat(cluster.servers.get(0).liveDevices()).as("live devices on node 1").isZero();
    events.clear();

    try (Connection connection = a.connection();
        Statement sql = connection.createStatement()) {
      sql.execute(
          "INSERT INTO households (id, region, head_name, visits) VALUES"
              + " ('00000000-0000-7000-8000-000000000001', 'north', 'Ada', 2)");
    }
    a.syncNow(); // through node 1

    await(
        "the household on device b",
        () -> "Ada".equals(headName(b)),
        () -> "status " + worker.status() + ", events " + events);
    assertThat(events).anySatisfy(event -> assertThat(event).isInstanceOf(WorkerEvent.Poked.class));
    assertThat(events)
        .filteredOn(WorkerEvent.Syncing.class::isInstance)
        .extracting(event -> ((WorkerEvent.Syncing) event).trigger())
        .contains("poke")
        .doesNotContain("interval");
  }

  private FieldSyncClient device(String name, int node) {
    return device(name, node, UnaryOperator.identity());
  }

  private FieldSyncClient device(
      String name, int node, UnaryOperator<FieldSyncClient.Builder> settings) {
    FieldSyncClient client =
        Cluster.device(dir, name, cluster.http(node, name), name.hashCode(), settings);
    clients.add(client);
    return client;
  }

  private static String headName(FieldSyncClient client) {
    try (Connection connection = client.connection();
        Statement sql = connection.createStatement();
        ResultSet rows = sql.executeQuery("SELECT head_name FROM households")) {
      return rows.next() ? rows.getString(1) : null;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void await(
      String what, BooleanSupplier condition, java.util.function.Supplier<String> context)
      throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "timed out after " + WAIT + " waiting for " + what + ": " + context.get());
      }
      Thread.sleep(20);
    }
  }
}
