package io.fieldsync.conflict;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.fieldsync.client.ParkedEdit;
import io.fieldsync.client.SyncResult;
import io.fieldsync.schema.ConflictRule;
import io.fieldsync.testkit.ManualClock;
import io.fieldsync.testkit.TestDevice;
import io.fieldsync.testkit.TestServer;
import io.fieldsync.wire.SentFields;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every conflict strategy end to end: devices edit offline, sync over HTTP, and converge. */
class StrategyEndToEndTest {
  static final String SCHEMA =
      """
      version: 1
      tables:
        households:
          conflict: lww
          columns:
            id:           { type: uuid, primary_key: true }
            head_name:    { type: text }
            region:       { type: text }
            visit_count:  { type: integer, conflict: sum }
            participants: { type: json, conflict: union }
            notes:        { type: text, conflict: manual }
            status:       { type: text, conflict: server_wins }
            max_temp:     { type: real, conflict: max }
            min_temp:     { type: real, conflict: min }
      """;

  static final String HOUSE = "01890000-0000-7000-8000-000000000001";
  static final String OTHER = "01890000-0000-7000-8000-000000000002";

  @TempDir Path dir;
  TestServer server;
  TestDevice a;
  TestDevice b;
  TestDevice c;

  @BeforeEach
  void start() {
    server = TestServer.builder(dir).schema(SCHEMA).clock(ManualClock.startingNow()).start();
    a = device("device-a");
    b = device("device-b");
    c = device("device-c");
    a.execute(
        "INSERT INTO households (id, head_name, region, visit_count, participants, notes, status,"
            + " max_temp, min_temp) VALUES (?, 'Amina', 'north', 0, '[\"ana\"]', 'start', 'new',"
            + " 37.0, 37.0)",
        HOUSE);
    TestDevice.syncAll(a, b, c);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(ConflictRule.class)
  void concurrentEditsFollowTheColumnsStrategy(ConflictRule rule) throws Exception {
    switch (rule) {
      case LWW -> laterStampWinsWhicheverDeviceSyncsLast();
      case SERVER_WINS -> serverValueStaysAgainstAConcurrentEdit();
      case SUM -> visitCounterIncrementedOnThreeOfflineDevicesAddsThree();
      case MAX -> largerValueWins();
      case MIN -> smallerValueWins();
      case UNION -> participantsAddedOnTwoDevicesBothSurvive();
      case MANUAL -> criticalFieldEditedOnTwoDevicesGoesToReview();
    }
    assertConverged();
  }

  private void laterStampWinsWhicheverDeviceSyncsLast() {
    a.execute("UPDATE households SET head_name = 'Amira' WHERE id = ?", HOUSE);
    long stampOfA = ((Number) a.value("SELECT max(hlc) FROM _fs_changelog")).longValue();
    // B edits after A in HLC order (what a later wall clock gives), then syncs first.
    b.execute("UPDATE _fs_state SET hlc = max(hlc, ?)", stampOfA);
    b.execute("UPDATE households SET head_name = 'Amani' WHERE id = ?", HOUSE);
    TestDevice.syncAll(b, a, b, c);
    assertThat(c.value("SELECT head_name FROM households")).isEqualTo("Amani");
  }

  private void serverValueStaysAgainstAConcurrentEdit() {
    a.execute("UPDATE households SET status = 'visited' WHERE id = ?", HOUSE);
    b.execute("UPDATE households SET status = 'refused' WHERE id = ?", HOUSE);
    TestDevice.syncAll(a, b);
    assertThat(b.value("SELECT status FROM households")).isEqualTo("visited");
    // An edit made after seeing the server's value is not a conflict and applies.
    b.execute("UPDATE households SET status = 'closed' WHERE id = ?", HOUSE);
    TestDevice.syncAll(b, a, c);
    assertThat(a.value("SELECT status FROM households")).isEqualTo("closed");
    assertThat(
            server
                .query("SELECT outcome, sent_fields FROM _fs_journal WHERE device = 'device-b'")
                .stream()
                .filter(row -> SentFields.json((byte[]) row.get("sent_fields")).contains("refused"))
                .map(row -> row.get("outcome")))
        .as("the losing edit is kept in the journal")
        .containsExactly("kept");
  }

  private void visitCounterIncrementedOnThreeOfflineDevicesAddsThree() {
    for (TestDevice device : List.of(a, b, c)) {
      device.execute("UPDATE households SET visit_count = visit_count + 1 WHERE id = ?", HOUSE);
    }
    TestDevice.syncAll(c, a, b, c, a);
    for (TestDevice device : List.of(a, b, c)) {
      assertThat(device.value("SELECT visit_count FROM households")).isEqualTo(3);
    }
  }

  private void largerValueWins() {
    a.execute("UPDATE households SET max_temp = 38.5 WHERE id = ?", HOUSE);
    b.execute("UPDATE households SET max_temp = 37.5 WHERE id = ?", HOUSE);
    TestDevice.syncAll(a, b, a, c);
    assertThat(b.value("SELECT max_temp FROM households")).isEqualTo(38.5);
  }

  private void smallerValueWins() {
    a.execute("UPDATE households SET min_temp = 36.1 WHERE id = ?", HOUSE);
    b.execute("UPDATE households SET min_temp = 36.6 WHERE id = ?", HOUSE);
    TestDevice.syncAll(a, b, a, c);
    assertThat(b.value("SELECT min_temp FROM households")).isEqualTo(36.1);
  }

  private void participantsAddedOnTwoDevicesBothSurvive() {
    a.execute("UPDATE households SET participants = '[\"ana\",\"ben\"]' WHERE id = ?", HOUSE);
    b.execute("UPDATE households SET participants = '[\"ana\",\"cy\"]' WHERE id = ?", HOUSE);
    TestDevice.syncAll(a, b, a, c);
    assertThat(elements(c)).containsExactlyInAnyOrder("\"ana\"", "\"ben\"", "\"cy\"");
  }

  private void criticalFieldEditedOnTwoDevicesGoesToReview() throws Exception {
    a.execute("UPDATE households SET notes = 'dog bites' WHERE id = ?", HOUSE);
    b.execute("UPDATE households SET notes = 'no dog' WHERE id = ?", HOUSE);
    b.execute(
        "INSERT INTO households (id, head_name, region, visit_count) VALUES (?, 'Bo', 'south', 0)",
        OTHER);
    a.syncThroughFaults();
    SyncResult result = b.sync();
    assertThat(result.parked()).isEqualTo(1);
    assertThat(result.applied()).as("the batch's other change still applies as sent").isEqualTo(1);
    assertThat(result.merged()).isZero();
    assertThat(result.rejected()).isZero();
    TestDevice.syncAll(a, c);
    assertThat(c.value("SELECT head_name FROM households WHERE id = ?", OTHER)).isEqualTo("Bo");
    assertThat(b.value("SELECT notes FROM households WHERE id = ?", HOUSE)).isEqualTo("dog bites");
    JsonObject item = server.review().onlyItem();
    assertThat(item.get("table").getAsString()).isEqualTo("households");
    assertThat(item.get("record_id").getAsString()).isEqualTo(HOUSE);
    assertThat(item.get("column").getAsString()).isEqualTo("notes");
    assertThat(item.get("server_value").getAsString()).isEqualTo("dog bites");
    assertThat(item.get("device_value").getAsString()).isEqualTo("no dog");
    assertThat(item.get("server_device").getAsString()).isEqualTo("device-a");
    assertThat(item.get("device").getAsString()).isEqualTo("device-b");
    List<ParkedEdit> parked = b.client().parked().list();
    assertThat(parked).hasSize(1);
    assertThat(parked.get(0).table()).isEqualTo("households");
    assertThat(parked.get(0).recordId()).isEqualTo(HOUSE);
    assertThat(parked.get(0).column()).isEqualTo("notes");
    assertThat(parked.get(0).deviceValue()).isEqualTo("\"no dog\"");
    assertThat(parked.get(0).reason()).contains("households", HOUSE, "notes");
  }

  @Test
  void concurrentEditsOfDifferentFieldsOfOneRecordBothSurvive() {
    a.execute("UPDATE households SET head_name = 'Amira' WHERE id = ?", HOUSE);
    b.execute("UPDATE households SET region = 'south' WHERE id = ?", HOUSE);
    TestDevice.syncAll(a, b, a, c);
    assertThat(c.rows("households").get(0))
        .containsEntry("head_name", "Amira")
        .containsEntry("region", "south");
    assertConverged();
  }

  @Test
  void aRemovalRemovesOnlyWhatTheRemoverHadSeen() {
    b.execute("UPDATE households SET participants = '[\"ana\",\"ed\"]' WHERE id = ?", HOUSE);
    b.syncThroughFaults();
    // A has not seen "ed": clearing the list removes only "ana".
    a.execute("UPDATE households SET participants = '[]' WHERE id = ?", HOUSE);
    TestDevice.syncAll(a, b, c);
    assertThat(elements(c)).containsExactly("\"ed\"");
    assertConverged();
  }

  /**
   * Regression (ConvergencePropertyTest seed 2911907859057): a device that wrote 60 and then 55 to
   * a max column before syncing pushed only 55, so the outcome depended on whether it had synced in
   * between. It now pushes the largest pending write and shows it.
   */
  @Test
  void maxAndMinKeepTheExtremeOfEveryPendingWriteWhenTheDeviceSyncs() {
    a.execute("UPDATE households SET max_temp = 40.0, min_temp = 30.0 WHERE id = ?", HOUSE);
    a.execute("UPDATE households SET max_temp = 38.5, min_temp = 35.0 WHERE id = ?", HOUSE);
    b.execute("UPDATE households SET max_temp = 39.0, min_temp = 33.0 WHERE id = ?", HOUSE);
    TestDevice.syncAll(a);
    assertThat(a.rows("households").get(0))
        .as("the device shows what it pushed")
        .containsEntry("max_temp", 40.0)
        .containsEntry("min_temp", 30.0);
    TestDevice.syncAll(b, a, c);
    assertThat(c.rows("households").get(0))
        .containsEntry("max_temp", 40.0)
        .containsEntry("min_temp", 30.0);
    assertConverged();
  }

  private static Set<String> elements(TestDevice device) {
    Set<String> result = new HashSet<>();
    String json = (String) device.value("SELECT participants FROM households WHERE id = ?", HOUSE);
    JsonParser.parseString(json).getAsJsonArray().forEach(e -> result.add(e.toString()));
    return result;
  }

  private void assertConverged() {
    TestDevice.syncAll(a, b, c);
    List<java.util.Map<String, Object>> serverRows =
        server.query("SELECT * FROM households ORDER BY 1");
    for (TestDevice device : List.of(a, b, c)) {
      assertThat(device.rows("households")).isEqualTo(serverRows);
    }
  }

  /** A device seeded by its name, so a run replays the same batch ids. */
  private TestDevice device(String name) {
    return server.device(name, builder -> builder.seed(name.hashCode()));
  }
}
