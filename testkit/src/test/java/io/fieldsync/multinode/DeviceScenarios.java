package io.fieldsync.multinode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.TransportException;
import io.fieldsync.testkit.FaultyTransport;
import io.fieldsync.testkit.FaultyTransport.Fault;
import io.fieldsync.testkit.ServerDatabase;
import io.fieldsync.testkit.TestDevice;
import io.fieldsync.testkit.TestServer;
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
  private TestServer server;
  private TestDevice north;
  private TestDevice south;
  private FaultyTransport northLink;

  /** A fresh, empty database for the server nodes. */
  abstract ServerDatabase database(Path dir);

  /** How many server nodes share it. */
  abstract int nodes();

  @BeforeEach
  void start() throws Exception {
    server =
        TestServer.builder(dir)
            .schema(NodeSchema.YAML)
            .database(database(dir))
            .nodes(nodes())
            .start();
    northLink = new FaultyTransport(server.http(0, server.token("north")));
    north = server.device("north", 0, builder -> builder.transport(northLink).seed(1));
    int last = server.nodeCount() - 1;
    south =
        server.device(
            "south",
            last,
            builder ->
                builder
                    .transport(server.http(last, server.token("south")))
                    .seed(2)
                    .pullPageSize(2)); // several pages, so children may arrive before parents
    north.sql(
        "INSERT INTO households (id, region, head_name, visits) VALUES ('"
            + H1
            + "', 'north', 'Ada', 10)");
    north.sql(
        "INSERT INTO households (id, region, head_name, visits) VALUES ('"
            + H2
            + "', 'north', 'Bo', 0)");
    north.sync();
    south.sync();
    assertThat(text(south, "SELECT head_name FROM households WHERE id = '" + H1 + "'"))
        .isEqualTo("Ada");
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void offlineEditsOnTwoDevicesConvergeLastWriterWins() throws Exception {
    north.sql("UPDATE households SET head_name = 'Ann' WHERE id = '" + H1 + "'");
    long northEdit = System.currentTimeMillis();
    // The later edit must carry a later clock: wait (bounded) for the wall clock to move on.
    while (System.currentTimeMillis() <= northEdit + 2) {
      Thread.onSpinWait();
    }
    south.sql("UPDATE households SET head_name = 'Bea' WHERE id = '" + H1 + "'");
    north.sync();
    south.sync();
    north.sync();
    for (TestDevice device : List.of(north, south)) {
      assertThat(text(device, "SELECT head_name FROM households WHERE id = '" + H1 + "'"))
          .isEqualTo("Bea");
    }
  }

  @Test
  void sumCounterIsExactAfterALostResponse() throws Exception {
    north.sql("UPDATE households SET visits = visits + 3 WHERE id = '" + H1 + "'");
    south.sql("UPDATE households SET visits = visits + 4 WHERE id = '" + H1 + "'");
    northLink.script(Fault.DROP_RESPONSE);
    assertThatThrownBy(north::sync)
        .isInstanceOf(TransportException.class)
        .hasMessageStartingWith("injected fault: the response to push call ")
        .hasMessageEndingWith(" was lost after the server answered");
    north.sync(); // resends the same batch: the server replays its recorded outcome
    south.sync();
    north.sync();
    for (TestDevice device : List.of(north, south)) {
      assertThat(text(device, "SELECT visits FROM households WHERE id = '" + H1 + "'"))
          .isEqualTo("17");
    }
  }

  @Test
  void deletePropagates() throws Exception {
    north.sql("DELETE FROM households WHERE id = '" + H2 + "'");
    north.sync();
    south.sync();
    assertThat(text(south, "SELECT count(*) FROM households WHERE id = '" + H2 + "'"))
        .isEqualTo("0");
    assertThat(text(south, "SELECT count(*) FROM households")).isEqualTo("1");
  }

  @Test
  void insertsWithForeignKeysArriveWithTheirParents() throws Exception {
    String h3 = "0190f3a4-0000-7000-8000-000000000003";
    south.sql("INSERT INTO households (id, region, visits) VALUES ('" + h3 + "', 'south', 0)");
    south.sql(
        "INSERT INTO visits (id, household_id, note) VALUES ('" + V1 + "', '" + h3 + "', 'first')");
    south.sql(
        "INSERT INTO visits (id, household_id, note) VALUES ('"
            + V2
            + "', '"
            + H1
            + "', 'second')");
    south.sync();
    north.sync();
    assertThat(
            text(
                north,
                "SELECT group_concat(x, ',') FROM (SELECT v.note || '>' || h.region AS x"
                    + " FROM visits v JOIN households h ON h.id = v.household_id ORDER BY v.id)"))
        .isEqualTo("first>south,second>north");
    assertThat(text(north, "SELECT count(*) FROM households")).isEqualTo("3");
  }

  private static String text(TestDevice device, String sql) throws SQLException {
    try (Connection db = device.client().connection();
        Statement statement = db.createStatement();
        ResultSet rows = statement.executeQuery(sql)) {
      assertThat(rows.next()).as(sql).isTrue();
      return rows.getString(1);
    }
  }
}
