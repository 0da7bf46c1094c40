package io.fieldsync.conflict;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.fieldsync.client.ParkedEdit;
import io.fieldsync.testkit.ManualClock;
import io.fieldsync.testkit.TestDevice;
import io.fieldsync.testkit.TestServer;
import io.fieldsync.wire.SentFields;
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
  TestServer server;

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
    if (server != null) {
      server.close();
    }
  }

  /** The sequence the server gave a record. */
  private long seq(String table, String id) {
    return ((Number)
            server
                .query(
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
    server =
        TestServer.builder(dir).schema(schema("review")).clock(ManualClock.startingNow()).start();
    TestDevice a = device("device-a");
    TestDevice b = device("device-b");
    a.execute("INSERT INTO visits (id, household_id, note) VALUES (?, ?, 'first')", VISIT, HOUSE);
    a.execute("INSERT INTO households (id, name) VALUES (?, 'Amina')", HOUSE);
    TestDevice.syncAll(a, b);
    assertThat(seq("households", HOUSE)).isLessThan(seq("visits", VISIT));
    assertThat(b.rows("visits")).containsExactly(row(VISIT, HOUSE, "first"));
    assertThat(b.rows("households")).hasSize(1);
  }

  @Test
  void selfReferencingTreeInsertedLeafFirstAppliesRootFirstAndCascades() {
    server =
        TestServer.builder(dir).schema(schema("review")).clock(ManualClock.startingNow()).start();
    TestDevice a = device("device-a");
    TestDevice b = device("device-b");
    a.execute("INSERT INTO nodes (id, parent_id, label) VALUES ('leaf', 'mid', 'leaf')");
    a.execute("INSERT INTO nodes (id, parent_id, label) VALUES ('mid', 'root', 'mid')");
    a.execute("INSERT INTO nodes (id, parent_id, label) VALUES ('root', NULL, 'root')");
    TestDevice.syncAll(a, b);
    assertThat(seq("nodes", "root")).isLessThan(seq("nodes", "mid"));
    assertThat(seq("nodes", "mid")).isLessThan(seq("nodes", "leaf"));
    assertThat(b.rows("nodes")).hasSize(3);
    // Deleting the root cascades down the tree (on_parent_delete: cascade) on every device.
    b.execute("DELETE FROM nodes WHERE id = 'root'");
    TestDevice.syncAll(b, a);
    assertThat(a.rows("nodes")).isEmpty();
    assertThat(b.rows("nodes")).isEmpty();
    assertThat(server.query("SELECT rid FROM _fs_journal WHERE outcome = 'cascaded'"))
        .containsExactlyInAnyOrder(Map.of("rid", "mid"), Map.of("rid", "leaf"));
  }

  @Test
  void twoTableCycleInsertedThenLinkedConverges() {
    server =
        TestServer.builder(dir).schema(schema("review")).clock(ManualClock.startingNow()).start();
    TestDevice a = device("device-a");
    TestDevice b = device("device-b");
    a.execute("INSERT INTO left_side (id, right_id) VALUES ('l1', NULL)");
    a.execute("INSERT INTO right_side (id, left_id) VALUES ('r1', 'l1')");
    a.execute("UPDATE left_side SET right_id = 'r1' WHERE id = 'l1'");
    TestDevice.syncAll(a, b);
    assertThat(b.rows("left_side")).containsExactly(Map.of("id", "l1", "right_id", "r1"));
    assertThat(b.rows("right_side")).containsExactly(Map.of("id", "r1", "left_id", "l1"));
  }

  /** A deletes the household while B adds a visit to it; A syncs first. */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"cascade", "restore_parent", "review"})
  void parentDeletedOnOneDeviceWhileAnotherAddsAChild(String rule) throws Exception {
    server = TestServer.builder(dir).schema(schema(rule)).clock(ManualClock.startingNow()).start();
    TestDevice a = device("device-a");
    TestDevice b = device("device-b");
    a.execute("INSERT INTO households (id, name) VALUES (?, 'Amina')", HOUSE);
    TestDevice.syncAll(a, b);
    a.execute("DELETE FROM households WHERE id = ?", HOUSE);
    b.execute(
        "INSERT INTO visits (id, household_id, note) VALUES (?, ?, 'late visit')", VISIT, HOUSE);
    TestDevice.syncAll(a, b, a);
    switch (rule) {
      case "cascade" -> {
        assertEverywhere(a, b, "households", 0);
        assertEverywhere(a, b, "visits", 0);
        assertThat(
                server
                    .query(
                        "SELECT outcome, sent_fields FROM _fs_journal WHERE rid = '" + VISIT + "'")
                    .stream()
                    .filter(
                        row ->
                            SentFields.json((byte[]) row.get("sent_fields")).contains("late visit"))
                    .map(row -> row.get("outcome")))
            .as("the child's data stays in the journal")
            .containsExactly("cascaded");
      }
      case "restore_parent" -> {
        assertEverywhere(a, b, "households", 1);
        assertEverywhere(a, b, "visits", 1);
        assertThat(a.value("SELECT name FROM households")).isEqualTo("Amina");
      }
      default -> {
        assertEverywhere(a, b, "visits", 0);
        assertEverywhere(a, b, "households", 0);
        JsonObject item = server.review().onlyItem();
        assertThat(item.get("table").getAsString()).isEqualTo("visits");
        assertThat(item.get("record_id").getAsString()).isEqualTo(VISIT);
        assertThat(item.get("column").isJsonNull()).isTrue();
        assertThat(JsonParser.parseString(item.get("device_value").getAsString()))
            .isEqualTo(
                JsonParser.parseString(
                    "{\"household_id\":\"" + HOUSE + "\",\"note\":\"late visit\"}"));
        assertThat(item.get("server_device").getAsString()).isEqualTo("device-a");
        assertThat(item.get("device").getAsString()).isEqualTo("device-b");
        List<ParkedEdit> parked = b.client().parked().list();
        assertThat(parked).hasSize(1);
        assertThat(parked.get(0).column()).isNull();
        assertThat(parked.get(0).deviceValue()).contains("late visit");
        // take_device applies the child and brings its parent back.
        assertThat(
                server
                    .review()
                    .resolve(item.get("id").getAsLong(), "{\"action\":\"take_device\"}")
                    .statusCode())
            .isEqualTo(200);
        TestDevice.syncAll(a, b);
        assertEverywhere(a, b, "households", 1);
        assertEverywhere(a, b, "visits", 1);
        assertThat(a.value("SELECT note FROM visits")).isEqualTo("late visit");
        assertThat(b.client().parked().list()).isEmpty();
      }
    }
  }

  /** B adds a visit and syncs first; then A's delete of the household arrives. */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"cascade", "restore_parent", "review"})
  void parentDeleteArrivesAfterAnotherDevicesChild(String rule) throws Exception {
    server = TestServer.builder(dir).schema(schema(rule)).clock(ManualClock.startingNow()).start();
    TestDevice a = device("device-a");
    TestDevice b = device("device-b");
    a.execute("INSERT INTO households (id, name) VALUES (?, 'Amina')", HOUSE);
    TestDevice.syncAll(a, b);
    a.execute("DELETE FROM households WHERE id = ?", HOUSE);
    b.execute(
        "INSERT INTO visits (id, household_id, note) VALUES (?, ?, 'late visit')", VISIT, HOUSE);
    TestDevice.syncAll(b, a, b);
    switch (rule) {
      case "cascade" -> {
        assertEverywhere(a, b, "households", 0);
        assertEverywhere(a, b, "visits", 0);
        assertThat(
                server.query(
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
        JsonObject item = server.review().onlyItem();
        assertThat(item.get("table").getAsString()).isEqualTo("households");
        assertThat(item.get("column").isJsonNull()).isTrue();
        assertThat(item.get("device_value").isJsonNull()).isTrue();
        assertThat(item.get("reason").getAsString()).contains(VISIT, "review");
        assertThat(a.client().parked().list())
            .extracting(ParkedEdit::table)
            .containsExactly("households");
        // take_device deletes the household and, as a person decided, its visits.
        assertThat(
                server
                    .review()
                    .resolve(item.get("id").getAsLong(), "{\"action\":\"take_device\"}")
                    .statusCode())
            .isEqualTo(200);
        TestDevice.syncAll(a, b);
        assertEverywhere(a, b, "households", 0);
        assertEverywhere(a, b, "visits", 0);
        assertThat(a.client().parked().list()).isEmpty();
      }
    }
  }

  @Test
  void keepServerOnAParkedChildLeavesTheParentDeletedAndSettlesTheDevice() throws Exception {
    server =
        TestServer.builder(dir).schema(schema("review")).clock(ManualClock.startingNow()).start();
    TestDevice a = device("device-a");
    TestDevice b = device("device-b");
    a.execute("INSERT INTO households (id, name) VALUES (?, 'Amina')", HOUSE);
    TestDevice.syncAll(a, b);
    a.execute("DELETE FROM households WHERE id = ?", HOUSE);
    b.execute(
        "INSERT INTO visits (id, household_id, note) VALUES (?, ?, 'late visit')", VISIT, HOUSE);
    TestDevice.syncAll(a, b);
    JsonObject item = server.review().onlyItem();
    assertThat(
            server
                .review()
                .resolve(item.get("id").getAsLong(), "{\"action\":\"set\",\"value\":1}")
                .body()
                .strip())
        .isEqualTo(
            "{\"error\":\"bad_request\",\"message\":\"review item "
                + item.get("id").getAsLong()
                + " holds a whole record of 'visits'; resolve it with keep_server or"
                + " take_device\"}");
    assertThat(
            server
                .review()
                .resolve(item.get("id").getAsLong(), "{\"action\":\"keep_server\"}")
                .statusCode())
        .isEqualTo(200);
    TestDevice.syncAll(a, b);
    assertEverywhere(a, b, "households", 0);
    assertEverywhere(a, b, "visits", 0);
    assertThat(b.client().parked().list()).isEmpty();
  }

  @Test
  void parentAndChildChangedInOneBatchWhileTheParentIsDeletedFollowTheRule() {
    server =
        TestServer.builder(dir).schema(schema("cascade")).clock(ManualClock.startingNow()).start();
    TestDevice a = device("device-a");
    TestDevice b = device("device-b");
    a.execute("INSERT INTO households (id, name) VALUES (?, 'Amina')", HOUSE);
    TestDevice.syncAll(a, b);
    // One batch: a new visit of the household, then the household's delete.
    a.execute(
        "INSERT INTO visits (id, household_id, note) VALUES (?, ?, 'same batch')", VISIT, HOUSE);
    a.execute("DELETE FROM households WHERE id = ?", HOUSE);
    TestDevice.syncAll(a, b);
    assertEverywhere(a, b, "households", 0);
    assertEverywhere(a, b, "visits", 0);
  }

  private static void assertEverywhere(TestDevice a, TestDevice b, String table, int count) {
    a.syncThroughFaults();
    assertThat(a.rows(table)).as("%s on device-a", table).hasSize(count);
    assertThat(b.rows(table)).as("%s on device-b", table).hasSize(count);
  }

  private static Map<String, Object> row(String id, String householdId, String note) {
    return Map.of("id", id, "household_id", householdId, "note", note);
  }

  /** A device seeded by its name, so a run replays the same batch ids. */
  private TestDevice device(String name) {
    return server.device(name, builder -> builder.seed(name.hashCode()));
  }
}
