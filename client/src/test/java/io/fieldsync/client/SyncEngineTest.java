package io.fieldsync.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.TransportException;
import io.fieldsync.client.internal.apply.Applier;
import io.fieldsync.client.internal.apply.Puller;
import io.fieldsync.client.internal.state.DeviceDatabase;
import io.fieldsync.schema.Schema;
import io.fieldsync.wire.ChangeStatus;
import io.fieldsync.wire.Op;
import io.fieldsync.wire.PushRequest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SyncEngineTest extends ClientFixture {

  @BeforeEach
  void setUp() {
    init();
  }

  @Test
  void pushSendsConsolidatedChangesAndEmptiesTheOutbox() throws Exception {
    sql(
        "INSERT INTO households (id, region) VALUES ('" + H1 + "', 'n')",
        "UPDATE households SET head_name = 'Ada'",
        "INSERT INTO visits (id, household_id) VALUES ('" + V1 + "', '" + H1 + "')");

    SyncResult result = client.syncNow();

    assertThat(server.pushes).hasSize(1);
    PushRequest request = server.pushes.get(0);
    assertThat(request.getTenant()).isEqualTo(FakeServer.TENANT);
    assertThat(request.getSchemaVersion()).isEqualTo(1);
    assertThat(request.getChangesList())
        .extracting(change -> change.getTable() + ":" + change.getOp())
        .containsExactly("households:OP_INSERT", "visits:OP_INSERT");
    assertThat(result.pushed()).isEqualTo(2);
    assertThat(result.applied()).isEqualTo(2);
    assertThat(log()).isEmpty();
    assertThat(scalar("SELECT count(*) FROM _fs_inflight")).isEqualTo(0L);
    assertThat((Long) scalar("SELECT hlc FROM _fs_state"))
        .isGreaterThanOrEqualTo(FakeServer.SERVER_HLC + 10);
    assertThat(client.status().pending()).isZero();
  }

  @Test
  void aLostPushResponseIsRetriedWithTheSameBytesAndCountedOnce() throws Exception {
    sql("INSERT INTO households (id, region, visits) VALUES ('" + H1 + "', 'n', 1)");
    server.loseNextPushResponses = 1;

    assertThatThrownBy(client::syncNow)
        .isInstanceOf(TransportException.class)
        .hasMessage("response lost (fake)");
    assertThat(scalar("SELECT count(*) FROM _fs_inflight")).isEqualTo(1L);
    sql("UPDATE households SET visits = visits + 1");
    client.close();
    client = builder().open();

    client.syncNow();

    assertThat(server.pushes).hasSize(3);
    assertThat(server.pushBytes.get(1)).isEqualTo(server.pushBytes.get(0));
    assertThat(server.recorded).hasSize(2);
    assertThat(server.pushes.get(2).getChanges(0).getOp()).isEqualTo(Op.OP_UPDATE);
    assertThat(server.pushes.get(2).getChanges(0).getFields(0).getDelta()).isEqualTo(1);
    assertThat(log()).isEmpty();
  }

  @Test
  void batchesAreBoundedAndEveryRecordIsPushedOnce() throws Exception {
    for (int i = 0; i < 5; i++) {
      sql("INSERT INTO households (id, region) VALUES ('r" + i + "', 'n')");
    }
    client.close();
    client = builder().batchSize(2).open();

    SyncResult result = client.syncNow();

    assertThat(server.pushes).extracting(PushRequest::getChangesCount).containsExactly(2, 2, 1);
    assertThat(server.pushes).extracting(PushRequest::getBatchId).doesNotHaveDuplicates();
    assertThat(result.pushed()).isEqualTo(5);
  }

  @Test
  void aRejectedChangeIsKeptWithItsReasonAndTheRowPutBack() throws Exception {
    sql(
        "INSERT INTO households (id, region) VALUES ('" + H1 + "', NULL)",
        "INSERT INTO households (id, region) VALUES ('" + H2 + "', 'n')");
    server.onPush = FakeServer.rejecting(H1, "households " + H1 + ": region is required");
    List<RejectedChange> heard = new ArrayList<>();
    client.addListener(
        new SyncListener() {
          @Override
          public void rejected(RejectedChange change) {
            heard.add(change);
          }
        });

    SyncResult result = client.syncNow();

    assertThat(result.rejected()).isEqualTo(1);
    assertThat(result.applied()).isEqualTo(1);
    assertThat(client.rejected())
        .singleElement()
        .satisfies(
            rejected -> {
              assertThat(rejected.table()).isEqualTo("households");
              assertThat(rejected.recordId()).isEqualTo(H1);
              assertThat(rejected.op()).isEqualTo("INSERT");
              assertThat(rejected.reason()).isEqualTo("households " + H1 + ": region is required");
              assertThat(rejected.values()).contains("\"region\":null");
              assertThat(rejected.batchId()).isEqualTo(server.pushes.get(0).getBatchId());
            });
    assertThat(heard).hasSize(1);
    assertThat(query("SELECT id FROM households"))
        .extracting(row -> row.get("id"))
        .containsExactly(H2);
    assertThat(log()).isEmpty();
    assertThat(client.status().rejected()).isEqualTo(1);
  }

  @Test
  void aPulledPageIsAppliedWithoutCaptureAndAdvancesTheCursor() throws Exception {
    server.page(
        5,
        true,
        FakeServer.record(
            "visits", V1, 5, "household_id", H1, 1L << 30, "temperature", 36.6, 1L << 30),
        FakeServer.record("households", H1, 4, "region", "n", 1L << 30, "active", true, 1L << 30));
    server.page(6, false, FakeServer.record("households", H2, 6, "region", "s", 1L << 30));

    SyncResult result = client.syncNow();

    assertThat(result.pulled()).isEqualTo(3);
    assertThat(result.cursor()).isEqualTo(6);
    assertThat(server.pulls).extracting(request -> request.getCursor()).containsExactly(0L, 5L);
    assertThat(log()).isEmpty();
    assertThat(scalar("SELECT cursor FROM _fs_state")).isEqualTo(6L);
    assertThat(scalar("SELECT capture FROM _fs_state")).isEqualTo(1L);
    assertThat(query("SELECT region, active FROM households WHERE id = ?", H1))
        .singleElement()
        .satisfies(row -> assertThat(row).containsEntry("region", "n").containsEntry("active", 1L));
    assertThat(scalar("SELECT temperature FROM visits")).isEqualTo(36.6);
  }

  @Test
  void aPulledUpdateWritesOnlyTheFieldsItCarries() throws Exception {
    server.page(
        1,
        false,
        FakeServer.record("households", H1, 1, "region", "n", 1L, "head_name", "Ada", 1L));
    client.syncNow();
    server.page(2, false, FakeServer.record("households", H1, 2, "head_name", "Grace", 2L));

    client.syncNow();

    assertThat(query("SELECT region, head_name FROM households"))
        .singleElement()
        .satisfies(
            row ->
                assertThat(row).containsEntry("region", "n").containsEntry("head_name", "Grace"));
  }

  @Test
  void aTombstoneDeletesTheLocalRow() throws Exception {
    server.page(1, false, FakeServer.record("households", H1, 1, "region", "n", 1L));
    client.syncNow();
    server.page(2, false, FakeServer.tombstone("households", H1, 2));

    client.syncNow();

    assertThat(scalar("SELECT count(*) FROM households")).isEqualTo(0L);
    assertThat(log()).isEmpty();
  }

  /** Pulls (as a device that cannot push would) by running the puller directly. */
  private void pullOnly() throws Exception {
    client.close();
    client = builder().open();
    try (DeviceDatabase database = DeviceDatabase.open(db())) {
      Schema schema = client.schema();
      new Puller(
              database,
              schema,
              new Applier(schema),
              server,
              10,
              (table, recordId, column) -> {},
              FaultInjector.NONE)
          .pull();
    }
  }

  @Test
  void pendingEditsOfManyLogRowsStayOnTopOfAPulledPage() throws Exception {
    server.page(
        1,
        false,
        FakeServer.record("households", H1, 1, "region", "n", 1L, "visits", 10L, 1L),
        FakeServer.record("households", H2, 1, "region", "s", 1L, "visits", 0L, 1L));
    client.syncNow();
    server.onPush =
        request -> {
          throw new TransportException("offline (fake)");
        };
    // More log rows for H1 than one query binds ids for, and a few for H2.
    for (int i = 0; i < 600; i++) {
      sql("UPDATE households SET visits = visits + 1 WHERE id = '" + H1 + "'");
    }
    sql("UPDATE households SET region = 'mine', visits = visits + 3 WHERE id = '" + H2 + "'");
    long localHlc = (Long) scalar("SELECT max(hlc) FROM _fs_changelog");
    assertThatThrownBy(client::syncNow).isInstanceOf(TransportException.class);
    server.page(
        2,
        false,
        FakeServer.record("households", H1, 2, "visits", 15L, localHlc + 100),
        FakeServer.record(
            "households", H2, 2, "region", "older", localHlc - 100, "visits", 7L, localHlc + 100));
    server.onPush = FakeServer::applyAll;
    pullOnly();

    assertThat(query("SELECT id, region, visits FROM households ORDER BY id"))
        .extracting(row -> row.get("id") + ":" + row.get("region") + ":" + row.get("visits"))
        .containsExactly(H1 + ":n:615", H2 + ":mine:10");
    assertThat(log()).hasSize(601);
  }

  @Test
  void pendingEditsStayOnTopOfAPulledPage() throws Exception {
    server.page(
        1,
        false,
        FakeServer.record(
            "households", H1, 1, "region", "n", 1L, "head_name", "Ada", 1L, "visits", 10L, 1L));
    client.syncNow();
    server.onPush =
        request -> {
          throw new TransportException("offline (fake)");
        };
    sql("UPDATE households SET head_name = 'Local', visits = visits + 2, region = 'mine'");
    long localHlc = (Long) scalar("SELECT max(hlc) FROM _fs_changelog");
    assertThatThrownBy(client::syncNow).isInstanceOf(TransportException.class);
    // The server meanwhile: an older head_name edit, a newer region edit, 5 more visits.
    server.page(
        2,
        false,
        FakeServer.record(
            "households",
            H1,
            2,
            "head_name",
            "Older",
            localHlc - 100,
            "region",
            "Newer",
            localHlc + 100,
            "visits",
            15L,
            localHlc + 100));
    server.onPush = FakeServer::applyAll;
    server.loseNextPushResponses = 0;
    pullOnly();

    assertThat(query("SELECT head_name, region, visits FROM households"))
        .singleElement()
        .satisfies(
            row ->
                assertThat(row)
                    .containsEntry("head_name", "Local")
                    .containsEntry("region", "Newer")
                    .containsEntry("visits", 17L));
    assertThat(log()).hasSize(1);
  }

  @Test
  void aServerRecordInAPushResultRestoresTheRowButKeepsNewerPendingEdits() throws Exception {
    server.page(
        1, false, FakeServer.record("households", H1, 1, "region", "n", 1L, "visits", 1L, 1L));
    client.syncNow();
    sql("UPDATE households SET visits = visits + 1");
    server.onPush =
        request -> {
          // Another device wrote meanwhile: the server merged to 5; the device edits again
          // before the response arrives.
          try {
            sql("UPDATE households SET visits = visits + 10, head_name = 'late'");
          } catch (java.sql.SQLException e) {
            throw new AssertionError(e);
          }
          return FakeServer.applyAll(request).toBuilder()
              .setResults(
                  0,
                  io.fieldsync.wire.ChangeResult.newBuilder()
                      .setIndex(0)
                      .setStatus(ChangeStatus.MERGED)
                      .setServerRecord(
                          FakeServer.record(
                              "households",
                              H1,
                              3,
                              "region",
                              "srv",
                              2L,
                              "visits",
                              5L,
                              2L,
                              "head_name",
                              "srv",
                              2L)))
              .build();
        };

    SyncResult result = client.syncNow();

    assertThat(result.merged()).isEqualTo(1);
    assertThat(query("SELECT region, visits, head_name FROM households"))
        .singleElement()
        .satisfies(
            row ->
                assertThat(row)
                    .containsEntry("region", "srv")
                    .containsEntry("visits", 15L)
                    .containsEntry("head_name", "late"));
  }
}
