package io.fieldsync.testkit.sim;

import io.fieldsync.StorageException;
import io.fieldsync.testkit.Replicas;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What must hold after every step of a simulated run, checked against what the simulation saw
 * (never against the server's own idea of it):
 *
 * <ul>
 *   <li>a captured write leaves a device's outbox only after a push of the device was answered;
 *   <li>a device's pull cursor never moves back, across crashes too;
 *   <li>the server's sequence has no gaps: every number up to the current one committed a change;
 *   <li>no increment is applied twice: no server total exceeds its start plus every increment the
 *       users made so far (increments are positive).
 * </ul>
 */
final class Invariants {
  private final List<SimDevice> devices;
  private final SimServer server;
  private final SimNetwork network;
  private final Model model;
  private final long[] cursors;
  private final List<Map<Long, String>> outboxes = new ArrayList<>();
  private final long[] answersHeard;
  private Connection connection;

  Invariants(List<SimDevice> devices, SimServer server, SimNetwork network, Model model) {
    this.devices = devices;
    this.server = server;
    this.network = network;
    this.model = model;
    this.cursors = new long[devices.size()];
    this.answersHeard = new long[devices.size()];
    for (SimDevice device : devices) {
      outboxes.add(new HashMap<>());
    }
  }

  void check(List<String> trace) {
    for (SimDevice device : devices) {
      int index = device.index;
      long cursor = device.longValue("SELECT cursor FROM _fs_state");
      if (cursor < cursors[index]) {
        throw new AssertionError(
            device.name + "'s cursor moved back from " + cursors[index] + " to " + cursor);
      }
      cursors[index] = cursor;
      Map<Long, String> present = new HashMap<>();
      for (String row : device.strings("SELECT id || ' ' || op || ' ' || rid FROM _fs_changelog")) {
        String[] parts = row.split(" ", 2);
        present.put(Long.parseLong(parts[0]), parts[1]);
      }
      Map<Long, String> gone = new TreeMap<>(outboxes.get(index));
      gone.keySet().removeAll(present.keySet());
      long heard = network.pushAnswersHeard(index);
      if (!gone.isEmpty() && heard == answersHeard[index] && !cancelledLocally(gone.values())) {
        throw new AssertionError(
            device.name
                + ": captured writes (log id, op, record: "
                + gone
                + ") left the outbox, but no push of the device was answered since");
      }
      answersHeard[index] = heard;
      outboxes.set(index, present);
    }
    Replicas.server(server.store(), SimServer.TENANT, server.schema())
        .rows("items")
        .forEach(
            (id, row) -> {
              Long bound = model.totalBound(id);
              Object total = row.get("total");
              if (bound == null) {
                throw new AssertionError("the server holds record " + id + ", never inserted");
              }
              if (total instanceof Long value && value > bound) {
                throw new AssertionError(
                    "the server's total of "
                        + id
                        + " is "
                        + value
                        + ", above "
                        + bound
                        + ", the start plus every increment made: an increment counted twice");
              }
            });
    checkSequence();
  }

  /**
   * Whether the rows that left are records inserted and deleted again before they were pushed: the
   * outbox drops those without sending anything, and nothing is lost.
   */
  private static boolean cancelledLocally(java.util.Collection<String> rows) {
    Map<String, Set<String>> opsByRecord = new HashMap<>();
    for (String row : rows) {
      String[] parts = row.split(" ", 2);
      opsByRecord.computeIfAbsent(parts[1], r -> new HashSet<>()).add(parts[0]);
    }
    return opsByRecord.values().stream().allMatch(ops -> ops.contains("I") && ops.contains("D"));
  }

  /** One connection to the server's database for the whole run, opened at the first check. */
  private Connection connection() throws SQLException {
    if (connection == null) {
      connection = server.database().connect();
    }
    return connection;
  }

  void close() {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException e) {
        throw new StorageException("closing the checks' connection: " + e.getMessage(), e);
      }
    }
  }

  private void checkSequence() {
    try (PreparedStatement current =
            connection().prepareStatement("SELECT value FROM _fs_sequence WHERE tenant = ?");
        PreparedStatement journal =
            connection()
                .prepareStatement(
                    "SELECT DISTINCT seq FROM _fs_journal WHERE tenant = ? AND seq > 0 ORDER BY seq")) {
      current.setString(1, SimServer.TENANT);
      journal.setString(1, SimServer.TENANT);
      long sequence = 0;
      try (ResultSet rows = current.executeQuery()) {
        if (rows.next()) {
          sequence = rows.getLong(1);
        }
      }
      long expected = 1;
      try (ResultSet rows = journal.executeQuery()) {
        while (rows.next()) {
          long seq = rows.getLong(1);
          if (seq != expected) {
            throw new AssertionError(
                "the server's journal skips from sequence " + (expected - 1) + " to " + seq);
          }
          expected++;
        }
      }
      if (expected - 1 != sequence) {
        throw new AssertionError(
            "the server's sequence is " + sequence + " but its journal ends at " + (expected - 1));
      }
    } catch (SQLException e) {
      throw new StorageException("reading the server's sequence: " + e.getMessage(), e);
    }
  }

  /**
   * What must hold at the end, null when it does: the review queue holds exactly the parked writes
   * of the model, each with the server's value and the device's value the model computed.
   */
  String atEnd() {
    List<String> want = new ArrayList<>();
    for (Model.Parked item : model.parked(network)) {
      want.add(item.toString());
    }
    List<String> found = new ArrayList<>();
    for (io.fieldsync.store.ReviewItem item : server.store().reviewItems(SimServer.TENANT, true)) {
      found.add(
          new Model.Parked(
                      item.recordId(),
                      item.column(),
                      item.serverValue(),
                      item.deviceValue(),
                      item.device())
                  .toString()
              + (item.table().equals("items") && item.status().equals("open")
                  ? ""
                  : " " + item.table() + " " + item.status()));
    }
    java.util.Collections.sort(want);
    java.util.Collections.sort(found);
    return want.equals(found)
        ? null
        : "the review queue differs from the model\n  model:  "
            + String.join("\n          ", want)
            + "\n  server: "
            + String.join("\n          ", found);
  }
}
