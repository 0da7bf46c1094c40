package io.fieldsync.conflict;

import static io.fieldsync.conflict.Cluster.exec;
import static io.fieldsync.conflict.Cluster.rows;
import static io.fieldsync.conflict.Cluster.sync;
import static io.fieldsync.conflict.Cluster.syncAll;
import static io.fieldsync.conflict.Cluster.value;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.client.ParkedEdit;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Foreign-key order and the on_parent_delete rules, end to end over HTTP. */
class ForeignKeyEndToEndTest {
  static final String HOUSE = "01890000-0000-7000-8000-000000000001";
  static final String VISIT = "01890000-0000-7000-8000-000000000011";
  static final String OLD_VISIT = "01890000-0000-7000-8000-000000000012";

  @TempDir Path dir;
  Cluster cluster;

  static String schema(String rule) {
    return """
        version: 1
        tables:
          households:
            columns:
              id:   { type: uuid, primary_key: true }
              name: { type: text }
          visits:
            columns:
              id:           { type: uuid, primary_key: true }
              household_id: { type: uuid, references: households, on_parent_delete: %s }
              note:         { type: text }
          nodes:
            columns:
              id:        { type: text, primary_key: true }
              parent_id: { type: text, references: nodes, on_parent_delete: cascade }
              label:     { type: text }
          left_side:
            columns:
              id:      { type: text, primary_key: true }
              right_id: { type: text, references: right_side }
          right_side:
            columns:
              id:     { type: text, primary_key: true }
              left_id: { type: text, references: left_side }
        """
        .formatted(rule);
  }

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** The sequence the server gave a record. */
  private long seq(String table, String id) {
    return ((Number)
            cluster
                .serverRows(
                    "SELECT seq FROM _fs_records WHERE tbl = '"
                        + table
                        + "' AND rid = '"
                        + id
                        + "'")
                .get(0)
                .get("seq"))
        .longValue();
  }

  @Test
  void parentAndChildCreatedOfflineInOneBatchInTheWrongOrderBothApply() {
    cluster = new Cluster(dir, schema("review"));
    FieldSyncClient a = cluster.device("device-a");
    FieldSyncClient b = cluster.device("device-b");
    exec(a, "INSERT INTO visits (id, household_id, note) VALUES (?, ?, 'first')", VISIT, HOUSE);
    exec(a, "INSERT INTO households (id, name) VALUES (?, 'Amina')", HOUSE);
    syncAll(a, b);
    assertThat(seq("households", HOUSE)).isLessThan(seq("visits", VISIT));
    assertThat(rows(b, "visits")).containsExactly(row(VISIT, HOUSE, "first"));
    assertThat(rows(b, "households")).hasSize(1);
  }

  @Test
  void selfReferencingTreeInsertedLeafFirstAppliesRootFirstAndCascades() {
    cluster = new Cluster(dir, schema("review"));
    FieldSyncClient a = cluster.device("device-a");
    FieldSyncClient b = cluster.device("device-b");
    exec(a, "INSERT INTO nodes (id, parent_id, label) VALUES ('leaf', 'mid', 'leaf')");
    exec(a, "INSERT INTO nodes (id, parent_id, label) VALUES ('mid', 'root', 'mid')");
    exec(a, "INSERT INTO nodes (id, parent_id, label) VALUES ('root', NULL, 'root')");
    syncAll(a, b);
    assertThat(seq("nodes", "root")).isLessThan(seq("nodes", "mid"));
    assertThat(seq("nodes", "mid")).isLessThan(seq("nodes", "leaf"));
    assertThat(rows(b, "nodes")).hasSize(3);
    // Deleting the root cascades down the tree (on_parent_delete: cascade) on every device.
    exec(b, "DELETE FROM nodes WHERE id = 'root'");
    syncAll(b, a);
    assertThat(rows(a, "nodes")).isEmpty();
    assertThat(rows(b, "nodes")).isEmpty();
    assertThat(cluster.serverRows("SELECT rid FROM _fs_journal WHERE outcome = 'cascaded'"))
        .containsExactlyInAnyOrder(Map.of("rid", "mid"), Map.of("rid", "leaf"));
  }

  @Test
  void twoTableCycleInsertedThenLinkedConverges() {
    cluster = new Cluster(dir, schema("review"));
    FieldSyncClient a = cluster.device("device-a");
    FieldSyncClient b = cluster.device("device-b");
    exec(a, "INSERT INTO left_side (id, right_id) VALUES ('l1', NULL)");
    exec(a, "INSERT INTO right_side (id, left_id) VALUES ('r1', 'l1')");
    exec(a, "UPDATE left_side SET right_id = 'r1' WHERE id = 'l1'");
    syncAll(a, b);
    assertThat(rows(b, "left_side")).containsExactly(Map.of("id", "l1", "right_id", "r1"));
    assertThat(rows(b, "right_side")).containsExactly(Map.of("id", "r1", "left_id", "l1"));
  }

  /** A deletes the household while B adds a visit to it; A syncs first. */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"cascade", "restore_parent", "review"})
  void parentDeletedOnOneDeviceWhileAnotherAddsAChild(String rule) throws Exception {
    cluster = new Cluster(dir, schema(rule));
    FieldSyncClient a = cluster.device("device-a");
    FieldSyncClient b = cluster.device("device-b");
    exec(a, "INSERT INTO households (id, name) VALUES (?, 'Amina')", HOUSE);
    syncAll(a, b);
    exec(a, "DELETE FROM households WHERE id = ?", HOUSE);
    exec(
        b, "INSERT INTO visits (id, household_id, note) VALUES (?, ?, 'late visit')", VISIT, HOUSE);
    syncAll(a, b, a);
    switch (rule) {
      case "cascade" -> {
        assertEverywhere(a, b, "households", 0);
        assertEverywhere(a, b, "visits", 0);
        assertThat(
                cluster.serverRows(
                    "SELECT outcome FROM _fs_journal WHERE rid = '"
                        + VISIT
                        + "' AND fields LIKE '%late visit%'"))
            .as("the child's data stays in the journal")
            .containsExactly(Map.of("outcome", "cascaded"));
      }
      case "restore_parent" -> {
        assertEverywhere(a, b, "households", 1);
        assertEverywhere(a, b, "visits", 1);
        assertThat(value(a, "SELECT name FROM households")).isEqualTo("Amina");
      }
      default -> {
        assertEverywhere(a, b, "visits", 0);
        assertEverywhere(a, b, "households", 0);
        JsonObject item = Cluster.only(cluster.reviewItems());
        assertThat(item.get("table").getAsString()).isEqualTo("visits");
        assertThat(item.get("record_id").getAsString()).isEqualTo(VISIT);
        assertThat(item.get("column").isJsonNull()).isTrue();
        assertThat(JsonParser.parseString(item.get("device_value").getAsString()))
            .isEqualTo(
                JsonParser.parseString(
                    "{\"household_id\":\"" + HOUSE + "\",\"note\":\"late visit\"}"));
        assertThat(item.get("server_device").getAsString()).isEqualTo("device-a");
        assertThat(item.get("device").getAsString()).isEqualTo("device-b");
        List<ParkedEdit> parked = b.parked();
        assertThat(parked).hasSize(1);
        assertThat(parked.get(0).column()).isNull();
        assertThat(parked.get(0).deviceValue()).contains("late visit");
        // take_device applies the child and brings its parent back.
        assertThat(
                cluster
                    .resolve(item.get("id").getAsLong(), "{\"action\":\"take_device\"}")
                    .statusCode())
            .isEqualTo(200);
        syncAll(a, b);
        assertEverywhere(a, b, "households", 1);
        assertEverywhere(a, b, "visits", 1);
        assertThat(value(a, "SELECT note FROM visits")).isEqualTo("late visit");
        assertThat(b.parked()).isEmpty();
      }
    }
  }

  /** B adds a visit and syncs first; then A's delete of the household arrives. */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"cascade", "restore_parent", "review"})
  void parentDeleteArrivesAfterAnotherDevicesChild(String rule) throws Exception {
    cluster = new Cluster(dir, schema(rule));
    FieldSyncClient a = cluster.device("device-a");
    FieldSyncClient b = cluster.device("device-b");
    exec(a, "INSERT INTO households (id, name) VALUES (?, 'Amina')", HOUSE);
    syncAll(a, b);
    exec(a, "DELETE FROM households WHERE id = ?", HOUSE);
    exec(
        b, "INSERT INTO visits (id, household_id, note) VALUES (?, ?, 'late visit')", VISIT, HOUSE);
    syncAll(b, a, b);
    switch (rule) {
      case "cascade" -> {
        assertEverywhere(a, b, "households", 0);
        assertEverywhere(a, b, "visits", 0);
        assertThat(
                cluster.serverRows(
                    "SELECT tombstone IS NOT NULL AS kept FROM _fs_records"
                        + " WHERE rid = '"
                        + VISIT
                        + "'"))
            .as("the tombstone keeps the child's values")
            .containsExactly(Map.of("kept", 1));
      }
      case "restore_parent" -> {
        assertEverywhere(a, b, "households", 1);
        assertEverywhere(a, b, "visits", 1);
      }
      default -> {
        assertEverywhere(a, b, "households", 1);
        assertEverywhere(a, b, "visits", 1);
        JsonObject item = Cluster.only(cluster.reviewItems());
        assertThat(item.get("table").getAsString()).isEqualTo("households");
        assertThat(item.get("column").isJsonNull()).isTrue();
        assertThat(item.get("device_value").isJsonNull()).isTrue();
        assertThat(item.get("reason").getAsString()).contains(VISIT, "review");
        assertThat(a.parked()).extracting(ParkedEdit::table).containsExactly("households");
        // take_device deletes the household and, as a person decided, its visits.
        assertThat(
                cluster
                    .resolve(item.get("id").getAsLong(), "{\"action\":\"take_device\"}")
                    .statusCode())
            .isEqualTo(200);
        syncAll(a, b);
        assertEverywhere(a, b, "households", 0);
        assertEverywhere(a, b, "visits", 0);
        assertThat(a.parked()).isEmpty();
      }
    }
  }

  @Test
  void keepServerOnAParkedChildLeavesTheParentDeletedAndSettlesTheDevice() throws Exception {
    cluster = new Cluster(dir, schema("review"));
    FieldSyncClient a = cluster.device("device-a");
    FieldSyncClient b = cluster.device("device-b");
    exec(a, "INSERT INTO households (id, name) VALUES (?, 'Amina')", HOUSE);
    syncAll(a, b);
    exec(a, "DELETE FROM households WHERE id = ?", HOUSE);
    exec(
        b, "INSERT INTO visits (id, household_id, note) VALUES (?, ?, 'late visit')", VISIT, HOUSE);
    syncAll(a, b);
    JsonObject item = Cluster.only(cluster.reviewItems());
    assertThat(
            cluster
                .resolve(item.get("id").getAsLong(), "{\"action\":\"set\",\"value\":1}")
                .body()
                .strip())
        .isEqualTo(
            "{\"error\":\"bad_request\",\"message\":\"review item "
                + item.get("id").getAsLong()
                + " holds a whole record of 'visits'; resolve it with keep_server or"
                + " take_device\"}");
    assertThat(
            cluster
                .resolve(item.get("id").getAsLong(), "{\"action\":\"keep_server\"}")
                .statusCode())
        .isEqualTo(200);
    syncAll(a, b);
    assertEverywhere(a, b, "households", 0);
    assertEverywhere(a, b, "visits", 0);
    assertThat(b.parked()).isEmpty();
  }

  @Test
  void parentAndChildChangedInOneBatchWhileTheParentIsDeletedFollowTheRule() {
    cluster = new Cluster(dir, schema("cascade"));
    FieldSyncClient a = cluster.device("device-a");
    FieldSyncClient b = cluster.device("device-b");
    exec(a, "INSERT INTO households (id, name) VALUES (?, 'Amina')", HOUSE);
    syncAll(a, b);
    // One batch: a new visit of the household, then the household's delete.
    exec(
        a, "INSERT INTO visits (id, household_id, note) VALUES (?, ?, 'same batch')", VISIT, HOUSE);
    exec(a, "DELETE FROM households WHERE id = ?", HOUSE);
    syncAll(a, b);
    assertEverywhere(a, b, "households", 0);
    assertEverywhere(a, b, "visits", 0);
  }

  private static void assertEverywhere(
      FieldSyncClient a, FieldSyncClient b, String table, int count) {
    sync(a);
    assertThat(rows(a, table)).as("%s on device-a", table).hasSize(count);
    assertThat(rows(b, table)).as("%s on device-b", table).hasSize(count);
  }

  private static Map<String, Object> row(String id, String householdId, String note) {
    return Map.of("id", id, "household_id", householdId, "note", note);
  }
}
