package io.fieldsync.multinode;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.client.SyncWorker;
import io.fieldsync.client.WorkerEvent;
import io.fieldsync.client.WorkerStatus;
import io.fieldsync.testkit.Eventually;
import io.fieldsync.testkit.ServerDatabase;
import io.fieldsync.testkit.TestDevice;
import io.fieldsync.testkit.TestServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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

  @TempDir Path dir;
  private TestServer server;

  @AfterEach
  void closeAll() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aCommitThroughOneNodePokesALiveDeviceOnTheOtherNode() throws Exception {
    server =
        TestServer.builder(dir)
            .schema(NodeSchema.YAML)
            .database(ServerDatabase.postgres("crossnodelive"))
            .nodes(2)
            .start();
    TestDevice a = device("tablet-a", 0);
    TestDevice b =
        server.device(
            "tablet-b",
            1,
            builder ->
                builder
                    .transport(server.http(1, server.token("tablet-b")))
                    .seed("tablet-b".hashCode())
                    .syncInterval(INTERVAL)
                    .debounce(Duration.ofMillis(50))
                    .backoff(Duration.ofMillis(50), Duration.ofMillis(400))
                    .workerSeed(7));
    SyncWorker worker = b.client().startWorker();
    List<WorkerEvent> events = new CopyOnWriteArrayList<>();
    worker.addListener(events::add);
    Eventually.until(
        "device b's first cycle and its live channel to node 2",
        () -> {
          WorkerStatus status = worker.status();
          return status.live() && status.lastSuccessAt() != null && !status.syncing();
        },
        () -> "status " + worker.status() + ", events " + events);
    assertThat(server.node(1).liveDevices()).as("live devices on node 2").isEqualTo(1);
    assertThat(server.node(0).liveDevices()).as("live devices on node 1").isZero();
    events.clear();

    try (Connection connection = a.client().connection();
        Statement sql = connection.createStatement()) {
      sql.execute(
          "INSERT INTO households (id, region, head_name, visits) VALUES"
              + " ('00000000-0000-7000-8000-000000000001', 'north', 'Ada', 2)");
    }
    a.sync(); // through node 1

    Eventually.until(
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

  private TestDevice device(String name, int node) {
    return server.device(
        name,
        node,
        builder -> builder.transport(server.http(node, server.token(name))).seed(name.hashCode()));
  }

  private static String headName(TestDevice device) {
    return (String) device.value("SELECT head_name FROM households");
  }
}
