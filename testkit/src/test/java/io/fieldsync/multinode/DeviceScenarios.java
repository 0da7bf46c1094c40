package io.fieldsync.multinode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.TransportException;
import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.client.transport.Transport;
import io.fieldsync.store.SyncStore;
import io.fieldsync.wire.PullRequest;
import io.fieldsync.wire.PullResponse;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import io.fieldsync.wire.SchemaResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The core device scenarios end to end (real SQLite devices, real HTTP, a real store), written once
 * and run against every store backend: a subclass opens the server nodes' stores. Device "north"
 * syncs through the first node and "south" through the last, so on PostgreSQL with two nodes every
 * scenario also crosses nodes.
 */
abstract class DeviceScenarios {
  private static final String H1 = "0190f3a4-0000-7000-8000-000000000001";
  private static final String H2 = "0190f3a4-0000-7000-8000-000000000002";
  private static final String V1 = "0190f3a4-0000-7000-8000-0000000000a1";
  private static final String V2 = "0190f3a4-0000-7000-8000-0000000000a2";

  @TempDir Path dir;
  private Cluster cluster;
  private FieldSyncClient north;
  private FieldSyncClient south;
  private LosingTransport northLink;

  /** Opens the stores of the server nodes on a fresh, empty database. */
  protected abstract List<SyncStore> openStores(Path dir);

  @BeforeEach
  void start() throws Exception {
    cluster = new Cluster(openStores(dir));
    northLink = new LosingTransport(cluster.http(0, "north"));
    north = Cluster.device(dir, "north", northLink, 1);
    south =
        FieldSyncClient.builder(dir.resolve("south.db"))
            .transport(cluster.http(cluster.size() - 1, "south"))
            .seed(2)
            .pullPageSize(2) // several pages, so children may arrive before parents
            .initialize();
    sql(
        north,
        "INSERT INTO households (id, region, head_name, visits) VALUES ('"
            + H1
            + "', 'north', 'Ada', 10)");
    sql(
        north,
        "INSERT INTO households (id, region, head_name, visits) VALUES ('"
            + H2
            + "', 'north', 'Bo', 0)");
    north.syncNow();
    south.syncNow();
    assertThat(text(south, "SELECT head_name FROM households WHERE id = '" + H1 + "'"))
        .isEqualTo("Ada");
  }

  @AfterEach
  void stop() {
    north.close();
    south.close();
    cluster.close();
  }

  @Test
  void offlineEditsOnTwoDevicesConvergeLastWriterWins() throws Exception {
    sql(north, "UPDATE households SET head_name = 'Ann' WHERE id = '" + H1 + "'");
    long northEdit = System.currentTimeMillis();
    // The later edit must carry a later clock: wait (bounded) for the wall clock to move on.
    while (System.currentTimeMillis() <= northEdit + 2) {
      Thread.onSpinWait();
    }
    sql(south, "UPDATE households SET head_name = 'Bea' WHERE id = '" + H1 + "'");
    north.syncNow();
    south.syncNow();
    north.syncNow();
    for (FieldSyncClient device : List.of(north, south)) {
      assertThat(text(device, "SELECT head_name FROM households WHERE id = '" + H1 + "'"))
          .isEqualTo("Bea");
    }
  }

  @Test
  void sumCounterIsExactAfterALostResponse() throws Exception {
    sql(north, "UPDATE households SET visits = visits + 3 WHERE id = '" + H1 + "'");
    sql(south, "UPDATE households SET visits = visits + 4 WHERE id = '" + H1 + "'");
    northLink.loseNextPushResponse = true;
    assertThatThrownBy(north::syncNow)
        .isInstanceOf(TransportException.class)
        .hasMessage("push response lost after the server applied it");
    north.syncNow(); // resends the same batch: the server replays its recorded outcome
    south.syncNow();
    north.syncNow();
    for (FieldSyncClient device : List.of(north, south)) {
      assertThat(text(device, "SELECT visits FROM households WHERE id = '" + H1 + "'"))
          .isEqualTo("17");
    }
  }

  @Test
  void deletePropagates() throws Exception {
    sql(north, "DELETE FROM households WHERE id = '" + H2 + "'");
    north.syncNow();
    south.syncNow();
    assertThat(text(south, "SELECT count(*) FROM households WHERE id = '" + H2 + "'"))
        .isEqualTo("0");
    assertThat(text(south, "SELECT count(*) FROM households")).isEqualTo("1");
  }

  @Test
  void insertsWithForeignKeysArriveWithTheirParents() throws Exception {
    String h3 = "0190f3a4-0000-7000-8000-000000000003";
    sql(south, "INSERT INTO households (id, region, visits) VALUES ('" + h3 + "', 'south', 0)");
    sql(
        south,
        "INSERT INTO visits (id, household_id, note) VALUES ('" + V1 + "', '" + h3 + "', 'first')");
    sql(
        south,
        "INSERT INTO visits (id, household_id, note) VALUES ('"
            + V2
            + "', '"
            + H1
            + "', 'second')");
    south.syncNow();
    north.syncNow();
    assertThat(
            text(
                north,
                "SELECT group_concat(x, ',') FROM (SELECT v.note || '>' || h.region AS x"
                    + " FROM visits v JOIN households h ON h.id = v.household_id ORDER BY v.id)"))
        .isEqualTo("first>south,second>north");
    assertThat(text(north, "SELECT count(*) FROM households")).isEqualTo("3");
  }

  /** Forwards to a node; can let the server apply a push and then lose its response. */
  static final class LosingTransport implements Transport {
    private final Transport next;
    volatile boolean loseNextPushResponse;

    LosingTransport(Transport next) {
      this.next = next;
    }

    @Override
    public SchemaResponse schema() {
      return next.schema();
    }

    @Override
    public PushResponse push(PushRequest request) {
      PushResponse response = next.push(request);
      if (loseNextPushResponse) {
        loseNextPushResponse = false;
        throw new TransportException("push response lost after the server applied it");
      }
      return response;
    }

    @Override
    public PullResponse pull(PullRequest request) {
      return next.pull(request);
    }
  }

  private static void sql(FieldSyncClient device, String sql) throws SQLException {
    try (Connection db = device.connection();
        Statement statement = db.createStatement()) {
      statement.executeUpdate(sql);
    }
  }

  private static String text(FieldSyncClient device, String sql) throws SQLException {
    try (Connection db = device.connection();
        Statement statement = db.createStatement();
        ResultSet rows = statement.executeQuery(sql)) {
      assertThat(rows.next()).as(sql).isTrue();
      return rows.getString(1);
    }
  }
}
