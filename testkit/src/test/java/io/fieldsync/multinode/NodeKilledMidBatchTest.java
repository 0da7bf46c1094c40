package io.fieldsync.multinode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.TransportException;
import io.fieldsync.client.SyncResult;
import io.fieldsync.client.transport.FailoverTransport;
import io.fieldsync.store.SyncStore;
import io.fieldsync.testkit.FaultyTransport;
import io.fieldsync.testkit.ServerDatabase;
import io.fieldsync.testkit.TestDevice;
import io.fieldsync.testkit.TestServer;
import io.fieldsync.wire.PushRequest;
import io.fieldsync.wire.PushResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Node A's database session is killed ({@code pg_terminate_backend}) in the middle of a push batch:
 * PostgreSQL rolls the whole batch back, nothing of it is visible through node B, and the device's
 * retry — the same batch id and bytes, through node B after A is stopped — applies exactly once: a
 * {@code sum} counter ends exact. A second device whose cursor came from node A continues through
 * node B with {@code Builder.servers} and receives exactly the new sequences.
 */
class NodeKilledMidBatchTest {
  private static final String HOUSEHOLD = "0190f3a4-0000-7000-8000-000000000001";

  @TempDir Path dir;

  @Test
  void killedBatchLeavesNothingAndItsRetryThroughAnotherNodeAppliesOnce() throws Exception {
    try (TestServer server =
        TestServer.builder(dir)
            .schema(NodeSchema.YAML)
            .database(ServerDatabase.postgres("nodekilled"))
            .nodes(2)
            .wrapStore(0, FaultyStore::new)
            .start()) {
      ServerDatabase database = server.database();
      FaultyStore storeA = (FaultyStore) server.store(0);
      SyncStore storeB = server.store(1);
      FaultyTransport phoneViaA = new FaultyTransport(server.http(0, server.token("phone")));
      FaultyTransport phoneViaB = new FaultyTransport(server.http(1, server.token("phone")));

      try (TestDevice phone =
              server.device("phone", builder -> builder.transport(phoneViaA).seed(1));
          TestDevice tablet =
              server.device(
                  "tablet",
                  builder -> builder.transport(server.http(0, server.token("tablet"))).seed(2))) {
        phone.sql(
            "INSERT INTO households (id, region, visits) VALUES ('"
                + HOUSEHOLD
                + "', 'north', 10)");
        assertThat(phone.sync().cursor()).isEqualTo(1);
        assertThat(tablet.sync().cursor()).isEqualTo(1);

        // Offline: one counter increment and nine new households, pushed as one batch of ten.
        phone.sql("UPDATE households SET visits = visits + 5 WHERE id = '" + HOUSEHOLD + "'");
        for (int i = 2; i <= 10; i++) {
          phone.sql(
              "INSERT INTO households (id, region, visits) VALUES ('"
                  + String.format("0190f3a4-0000-7000-8000-%012d", i)
                  + "', 'south', 1)");
        }
        AtomicLong terminated = new AtomicLong();
        storeA.arm(4, () -> terminated.set(killWritingSession(database)));

        assertThatThrownBy(phone::sync)
            .isInstanceOf(TransportException.class)
            .hasMessageContaining("/v1/push returned 503: the store is busy or unreachable");
        assertThat(storeA.faults).hasValue(1);
        assertThat(terminated).as("sessions killed mid-batch").hasValue(1);
      }

      // Nothing of the killed batch is visible: not through node B, not in the tables.
      assertThat(storeB.currentSequence(TestServer.TENANT)).isEqualTo(1);
      assertThat(storeB.pull(TestServer.TENANT, 1, 100).records()).isEmpty();
      assertThat(query(database, "SELECT count(*) FROM households")).isEqualTo(1);
      assertThat(query(database, "SELECT visits FROM households")).isEqualTo(10);
      assertThat(query(database, "SELECT count(*) FROM _fs_batches")).isEqualTo(1);
      assertThat(query(database, "SELECT count(*) FROM _fs_records")).isEqualTo(1);

      server.stop(0);

      // The phone retries through a failover list: A refuses connections, B takes the batch.
      try (TestDevice phone =
          server.open(
              "phone",
              builder ->
                  builder
                      .transport(
                          new FailoverTransport(
                              List.of(phoneViaA, phoneViaB),
                              List.of(server.uri(0).toString(), server.uri(1).toString())))
                      .seed(3))) {
        SyncResult result = phone.sync();
        assertThat(result.pushed()).isEqualTo(10);
        assertThat(result.cursor()).isEqualTo(11);
      }
      // The reopened client's first call (the schema check) found A down and moved to B, so the
      // retry went to B alone; A saw the first batch and the killed one.
      assertThat(phoneViaA.pushes().size()).isEqualTo(2);
      assertThat(phoneViaB.pushes().size()).isEqualTo(1);
      byte[] killed = phoneViaA.pushes().get(1).toByteArray();
      assertThat(java.util.Arrays.equals(phoneViaB.pushes().get(0).toByteArray(), killed))
          .as("the retry through B sends the killed batch's bytes (same batch id)")
          .isTrue();

      assertThat(query(database, "SELECT visits FROM households WHERE id = '" + HOUSEHOLD + "'"))
          .as("sum counter: 10 + 5, once")
          .isEqualTo(15);
      assertThat(query(database, "SELECT count(*) FROM households")).isEqualTo(10);
      assertThat(query(database, "SELECT count(*) FROM _fs_batches")).isEqualTo(2);
      assertThat(storeB.currentSequence(TestServer.TENANT)).isEqualTo(11);

      // Delivering the same bytes once more is answered from the record, not applied again.
      PushResponse again =
          server.http(1, server.token("phone")).push(PushRequest.parseFrom(killed));
      assertThat(again.getReplayed()).isTrue();
      assertThat(query(database, "SELECT visits FROM households WHERE id = '" + HOUSEHOLD + "'"))
          .isEqualTo(15);
      assertThat(storeB.currentSequence(TestServer.TENANT)).isEqualTo(11);

      // The tablet's cursor (1) came from node A; through the node list it continues on B.
      try (TestDevice tablet =
          server.open(
              "tablet",
              builder ->
                  builder
                      .servers(List.of(server.uri(0), server.uri(1)))
                      .token(server.token("tablet")))) {
        assertThat(tablet.client().status().cursor()).isEqualTo(1);
        SyncResult result = tablet.sync();
        assertThat(result.pulled()).isEqualTo(10);
        assertThat(result.cursor()).isEqualTo(11);
        try (Connection db = tablet.client().connection();
            Statement statement = db.createStatement();
            ResultSet rows =
                statement.executeQuery("SELECT count(*), sum(visits) FROM households")) {
          rows.next();
          assertThat(rows.getLong(1)).isEqualTo(10);
          assertThat(rows.getLong(2)).isEqualTo(15 + 9);
        }
      }
    }
  }

  /**
   * Terminates every other session of the database that has a write transaction open (only the push
   * in flight has one) and waits until it is gone; returns how many were killed.
   */
  private static long killWritingSession(ServerDatabase database) {
    try (Connection admin = database.connect();
        Statement statement = admin.createStatement()) {
      String others =
          " FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
              + " AND backend_xid IS NOT NULL";
      long killed;
      try (ResultSet rows =
          statement.executeQuery(
              "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))" + others)) {
        rows.next();
        killed = rows.getLong(1);
      }
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (System.nanoTime() < deadline) {
        try (ResultSet rows = statement.executeQuery("SELECT count(*)" + others)) {
          rows.next();
          if (rows.getLong(1) == 0) {
            return killed;
          }
        }
        Thread.onSpinWait();
      }
      throw new AssertionError("the killed session was still there after 10 s");
    } catch (SQLException e) {
      throw new AssertionError("could not kill the writing session: " + e.getMessage(), e);
    }
  }

  private static long query(ServerDatabase database, String sql) throws SQLException {
    try (Connection db = database.connect();
        Statement statement = db.createStatement();
        ResultSet rows = statement.executeQuery(sql)) {
      assertThat(rows.next()).as(sql).isTrue();
      return rows.getLong(1);
    }
  }
}
