package io.fieldsync.client;

import static io.fieldsync.client.Households.H1;
import static io.fieldsync.client.Households.H2;
import static io.fieldsync.client.Households.V1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.TransportException;
import io.fieldsync.client.internal.apply.Applier;
import io.fieldsync.client.internal.apply.Puller;
import io.fieldsync.client.internal.state.DeviceDatabase;
import io.fieldsync.schema.Schema;
import io.fieldsync.testkit.FaultyTransport;
import io.fieldsync.testkit.FaultyTransport.Fault;
import io.fieldsync.testkit.TestDevice;
import io.fieldsync.testkit.TestServer;
import io.fieldsync.wire.Op;
import io.fieldsync.wire.PushRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One device's sync cycle against the server: push, acknowledgement, rejection, pull. */
class SyncEngineTest {
  @TempDir Path dir;
  TestServer server;
  FaultyTransport network;
  TestDevice device;
  TestDevice other;

  @BeforeEach
  void setUp() {
    server = TestServer.builder(dir).schema(Households.SCHEMA_YAML).start();
    network = Households.network(server);
    device = Households.device(server, network);
    other = server.device("other");
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  @Test
  void pushSendsConsolidatedChangesAndEmptiesTheOutbox() {
    device.sql(
        "INSERT INTO households (id, region) VALUES ('" + H1 + "', 'n')",
        "UPDATE households SET head_name = 'Ada'",
        "INSERT INTO visits (id, household_id) VALUES ('" + V1 + "', '" + H1 + "')");

    SyncResult result = device.sync();

    assertThat(network.pushes()).hasSize(1);
    PushRequest request = network.pushes().get(0);
    assertThat(request.getTenant()).isEqualTo(TestServer.TENANT);
    assertThat(request.getSchemaVersion()).isEqualTo(1);
    assertThat(request.getChangesList())
        .extracting(change -> change.getTable() + ":" + change.getOp())
        .containsExactly("households:OP_INSERT", "visits:OP_INSERT");
    assertThat(result.pushed()).isEqualTo(2);
    assertThat(result.applied()).isEqualTo(2);
    assertThat(device.log()).isEmpty();
    assertThat(device.scalar("SELECT count(*) FROM _fs_inflight")).isEqualTo(0L);
    assertThat((Long) device.scalar("SELECT hlc FROM _fs_state"))
        .isGreaterThanOrEqualTo(network.pulls().get(0).serverHlc());
    assertThat(device.client().status().pending()).isZero();
  }

  @Test
  void aLostPushResponseIsRetriedWithTheSameBytesAndCountedOnce() {
    device.sql("INSERT INTO households (id, region, visits) VALUES ('" + H1 + "', 'n', 1)");
    network.script(Fault.DROP_RESPONSE);

    assertThatThrownBy(device::sync)
        .isInstanceOf(TransportException.class)
        .hasMessage(
            "injected fault: the response to push call 1 was lost after the server answered");
    assertThat(device.scalar("SELECT count(*) FROM _fs_inflight")).isEqualTo(1L);
    device.sql("UPDATE households SET visits = visits + 1");
    device = server.reopen(device, Households.over(network));

    device.sync();

    assertThat(network.pushes()).hasSize(3);
    assertThat(network.pushes().get(1).toByteArray())
        .isEqualTo(network.pushes().get(0).toByteArray());
    assertThat(
            server.query(
                "SELECT count(*) AS batches FROM _fs_batches WHERE device = '"
                    + Households.DEVICE
                    + "'"))
        .singleElement()
        .satisfies(row -> assertThat(((Number) row.get("batches")).longValue()).isEqualTo(2));
    assertThat(network.pushes().get(2).getChanges(0).getOp()).isEqualTo(Op.OP_UPDATE);
    assertThat(network.pushes().get(2).getChanges(0).getFields(0).getDelta()).isEqualTo(1);
    assertThat(device.log()).isEmpty();
  }

  @Test
  void batchesAreBoundedAndEveryRecordIsPushedOnce() {
    for (int i = 0; i < 5; i++) {
      device.sql(
          "INSERT INTO households (id, region) VALUES ('" + Households.household(i) + "', 'n')");
    }
    device = server.reopen(device, builder -> Households.over(network).apply(builder).batchSize(2));

    SyncResult result = device.sync();

    assertThat(network.pushes()).extracting(PushRequest::getChangesCount).containsExactly(2, 2, 1);
    assertThat(network.pushes()).extracting(PushRequest::getBatchId).doesNotHaveDuplicates();
    assertThat(result.pushed()).isEqualTo(5);
  }

  @Test
  void aRejectedChangeIsKeptWithItsReasonAndTheRowPutBack() {
    device.sql(
        "INSERT INTO households (id, region) VALUES ('" + H1 + "', NULL)",
        "INSERT INTO households (id, region) VALUES ('" + H2 + "', 'n')");
    List<RejectedChange> heard = new ArrayList<>();
    device
        .client()
        .addListener(
            new SyncListener() {
              @Override
              public void rejected(RejectedChange change) {
                heard.add(change);
              }
            });

    SyncResult result = device.sync();

    assertThat(result.rejected()).isEqualTo(1);
    assertThat(result.applied()).isEqualTo(1);
    assertThat(device.client().rejected().list())
        .singleElement()
        .satisfies(
            rejected -> {
              assertThat(rejected.table()).isEqualTo("households");
              assertThat(rejected.recordId()).isEqualTo(H1);
              assertThat(rejected.op()).isEqualTo("INSERT");
              assertThat(rejected.reason())
                  .isEqualTo(
                      "table 'households', record '"
                          + H1
                          + "', column 'region': required, but the change sets it to null");
              assertThat(rejected.values()).contains("\"region\":null");
              assertThat(rejected.batchId()).isEqualTo(network.pushes().get(0).getBatchId());
            });
    assertThat(heard).hasSize(1);
    assertThat(device.query("SELECT id FROM households"))
        .extracting(row -> row.get("id"))
        .containsExactly(H2);
    assertThat(device.log()).isEmpty();
    assertThat(device.client().status().rejected()).isEqualTo(1);
  }

  @Test
  void aPulledPageIsAppliedWithoutCaptureAndAdvancesTheCursor() {
    long start = server.sequence(TestServer.TENANT);
    other.sql(
        "INSERT INTO households (id, region, active) VALUES ('" + H1 + "', 'n', 1)",
        "INSERT INTO visits (id, household_id, temperature) VALUES ('"
            + V1
            + "', '"
            + H1
            + "', 36.6)",
        "INSERT INTO households (id, region) VALUES ('" + H2 + "', 's')");
    other.sync();
    device =
        server.reopen(device, builder -> Households.over(network).apply(builder).pullPageSize(2));

    SyncResult result = device.sync();

    assertThat(result.pulled()).isEqualTo(3);
    assertThat(result.cursor()).isEqualTo(start + 3);
    assertThat(network.pullRequests())
        .extracting(request -> request.getCursor())
        .containsExactly(start, start + 2);
    assertThat(device.log()).isEmpty();
    assertThat(device.scalar("SELECT cursor FROM _fs_state")).isEqualTo(start + 3);
    assertThat(device.scalar("SELECT capture FROM _fs_state")).isEqualTo(1L);
    assertThat(device.query("SELECT region, active FROM households WHERE id = ?", H1))
        .singleElement()
        .satisfies(row -> assertThat(row).containsEntry("region", "n").containsEntry("active", 1L));
    assertThat(device.scalar("SELECT temperature FROM visits")).isEqualTo(36.6);
  }

  @Test
  void aPulledUpdateWritesOnlyTheFieldsItCarries() {
    other.sql("INSERT INTO households (id, region, head_name) VALUES ('" + H1 + "', 'n', 'Ada')");
    other.sync();
    device.sync();
    other.sql("UPDATE households SET head_name = 'Grace'");
    other.sync();

    device.sync();

    assertThat(device.query("SELECT region, head_name FROM households"))
        .singleElement()
        .satisfies(
            row ->
                assertThat(row).containsEntry("region", "n").containsEntry("head_name", "Grace"));
  }

  @Test
  void aTombstoneDeletesTheLocalRow() {
    other.sql("INSERT INTO households (id, region) VALUES ('" + H1 + "', 'n')");
    other.sync();
    device.sync();
    other.sql("DELETE FROM households");
    other.sync();

    device.sync();

    assertThat(device.scalar("SELECT count(*) FROM households")).isEqualTo(0L);
    assertThat(device.log()).isEmpty();
  }

  /** Pulls (as a device that cannot push would) by running the puller directly. */
  private void pullOnly() {
    device = server.reopen(device, Households.over(network));
    try (DeviceDatabase database = DeviceDatabase.open(device.database())) {
      Schema schema = device.client().schema();
      new Puller(
              database,
              schema,
              new Applier(schema),
              network,
              10,
              (table, recordId, column) -> {},
              FaultInjector.NONE)
          .pull();
    }
  }

  /** A wall-clock millisecond passes, so the next write's stamp is above every earlier one. */
  private static void tick() throws InterruptedException {
    Thread.sleep(2);
  }

  @Test
  void pendingEditsOfManyLogRowsStayOnTopOfAPulledPage() throws Exception {
    other.sql(
        "INSERT INTO households (id, region, visits) VALUES ('" + H1 + "', 'n', 10)",
        "INSERT INTO households (id, region, visits) VALUES ('" + H2 + "', 's', 0)");
    other.sync();
    device.sync();
    network.pushRate(Fault.FAIL_BEFORE_SEND, 1.0);
    // The server meanwhile, before the device's edits: an older region edit of H2.
    other.sql("UPDATE households SET region = 'older' WHERE id = '" + H2 + "'");
    tick();
    // More log rows for H1 than one query binds ids for, and a few for H2.
    for (int i = 0; i < 600; i++) {
      device.sql("UPDATE households SET visits = visits + 1 WHERE id = '" + H1 + "'");
    }
    device.sql(
        "UPDATE households SET region = 'mine', visits = visits + 3 WHERE id = '" + H2 + "'");
    assertThatThrownBy(device::sync).isInstanceOf(TransportException.class);
    // ... and after them: 5 more visits of H1, 7 of H2.
    tick();
    other.sql(
        "UPDATE households SET visits = visits + 5 WHERE id = '" + H1 + "'",
        "UPDATE households SET visits = visits + 7 WHERE id = '" + H2 + "'");
    other.sync();
    network.pushRate(Fault.FAIL_BEFORE_SEND, 0);
    pullOnly();

    assertThat(device.query("SELECT id, region, visits FROM households ORDER BY id"))
        .extracting(row -> row.get("id") + ":" + row.get("region") + ":" + row.get("visits"))
        .containsExactly(H1 + ":n:615", H2 + ":mine:10");
    assertThat(device.log()).hasSize(601);
  }

  @Test
  void pendingEditsStayOnTopOfAPulledPage() throws Exception {
    other.sql(
        "INSERT INTO households (id, region, head_name, visits) VALUES ('"
            + H1
            + "', 'n', 'Ada', 10)");
    other.sync();
    device.sync();
    network.pushRate(Fault.FAIL_BEFORE_SEND, 1.0);
    // The server meanwhile: an older head_name edit, a newer region edit, 5 more visits.
    other.sql("UPDATE households SET head_name = 'Older', visits = visits + 5");
    tick();
    device.sql("UPDATE households SET head_name = 'Local', visits = visits + 2, region = 'mine'");
    assertThatThrownBy(device::sync).isInstanceOf(TransportException.class);
    tick();
    other.sql("UPDATE households SET region = 'Newer'");
    other.sync();
    network.pushRate(Fault.FAIL_BEFORE_SEND, 0);
    pullOnly();

    assertThat(device.query("SELECT head_name, region, visits FROM households"))
        .singleElement()
        .satisfies(
            row ->
                assertThat(row)
                    .containsEntry("head_name", "Local")
                    .containsEntry("region", "Newer")
                    .containsEntry("visits", 17L));
    assertThat(device.log()).hasSize(1);
  }

  @Test
  void aServerRecordInAPushResultRestoresTheRowButKeepsNewerPendingEdits() {
    other.sql("INSERT INTO households (id, region, visits) VALUES ('" + H1 + "', 'n', 1)");
    other.sync();
    device.sync();
    device.sql("UPDATE households SET visits = visits + 1");
    // Another device wrote meanwhile: the server merges to 5.
    other.sql("UPDATE households SET region = 'srv', head_name = 'srv', visits = visits + 3");
    other.sync();
    // The device edits again while its push is on the way.
    network.beforePush(
        () -> {
          network.beforePush(() -> {});
          device.sql("UPDATE households SET visits = visits + 10, head_name = 'late'");
        });

    SyncResult result = device.sync();

    assertThat(result.merged()).isEqualTo(1);
    assertThat(device.query("SELECT region, visits, head_name FROM households"))
        .singleElement()
        .satisfies(
            row ->
                assertThat(row)
                    .containsEntry("region", "srv")
                    .containsEntry("visits", 15L)
                    .containsEntry("head_name", "late"));
  }
}
