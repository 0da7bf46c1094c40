package io.fieldsync.conflict;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.fieldsync.client.ParkedEdit;
import io.fieldsync.testkit.ManualClock;
import io.fieldsync.testkit.TestDevice;
import io.fieldsync.testkit.TestServer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A resolution is an ordinary change: every device pulls it, and the parking device settles. */
class ReviewQueueEndToEndTest {
  static final String SCHEMA =
      """
      version: 1
      tables:
        households:
          columns:
            id:    { type: uuid, primary_key: true }
            notes: { type: text, conflict: manual }
      """;

  static final List<String> IDS =
      List.of(
          "01890000-0000-7000-8000-000000000001",
          "01890000-0000-7000-8000-000000000002",
          "01890000-0000-7000-8000-000000000003");

  @TempDir Path dir;
  TestServer server;

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void eachResolutionSyncsToEveryDeviceAndSettlesTheParkedEdit() throws Exception {
    server = TestServer.builder(dir).schema(SCHEMA).clock(ManualClock.startingNow()).start();
    TestDevice a = device("device-a");
    TestDevice b = device("device-b");
    TestDevice c = device("device-c");
    for (String id : IDS) {
      a.execute("INSERT INTO households (id, notes) VALUES (?, 'start')", id);
    }
    TestDevice.syncAll(a, b, c);
    long base = ((Number) b.value("SELECT cursor FROM _fs_state")).longValue();
    for (String id : IDS) {
      a.execute("UPDATE households SET notes = 'from a' WHERE id = ?", id);
      b.execute("UPDATE households SET notes = 'from b' WHERE id = ?", id);
    }
    TestDevice.syncAll(a, b);
    assertThat(b.client().parked().list())
        .extracting(ParkedEdit::column)
        .containsExactly("notes", "notes", "notes");

    JsonArray items = server.review().items();
    assertThat(items).hasSize(3);
    Map<String, Long> itemByRecord = new HashMap<>();
    for (JsonElement element : items) {
      JsonObject item = element.getAsJsonObject();
      itemByRecord.put(item.get("record_id").getAsString(), item.get("id").getAsLong());
      assertThat(item.get("table").getAsString()).isEqualTo("households");
      assertThat(item.get("column").getAsString()).isEqualTo("notes");
      assertThat(item.get("server_value").getAsString()).isEqualTo("from a");
      assertThat(item.get("device_value").getAsString()).isEqualTo("from b");
      assertThat(item.get("base_seq").getAsLong()).isEqualTo(base);
      assertThat(item.get("server_device").getAsString()).isEqualTo("device-a");
      assertThat(item.get("device").getAsString()).isEqualTo("device-b");
      assertThat(item.get("server_hlc").getAsLong()).isPositive();
      assertThat(item.get("device_hlc").getAsLong()).isPositive();
      assertThat(Instant.parse(item.get("created_at").getAsString()))
          .isEqualTo(Instant.ofEpochMilli(server.clock().millis()));
    }

    assertThat(
            server
                .review()
                .resolve(itemByRecord.get(IDS.get(0)), "{\"action\":\"keep_server\"}")
                .statusCode())
        .isEqualTo(200);
    assertThat(
            server
                .review()
                .resolve(itemByRecord.get(IDS.get(1)), "{\"action\":\"take_device\"}")
                .statusCode())
        .isEqualTo(200);
    assertThat(
            server
                .review()
                .resolve(itemByRecord.get(IDS.get(2)), "{\"action\":\"set\",\"value\":\"agreed\"}")
                .statusCode())
        .isEqualTo(200);
    TestDevice.syncAll(a, b, c);
    for (TestDevice device : List.of(a, b, c)) {
      assertThat(notes(device)).containsExactly("from a", "from b", "agreed");
    }
    assertThat(b.client().parked().list()).isEmpty();
    assertThat(server.review().items()).isEmpty();
    assertThat(
            server.query(
                "SELECT outcome FROM _fs_journal WHERE op = 'resolve' AND seq > 0 ORDER BY seq"))
        .containsExactly(
            Map.of("outcome", "review_keep_server"),
            Map.of("outcome", "review_take_device"),
            Map.of("outcome", "review_set"));
  }

  static final String SIBLINGS =
      """
      version: 1
      tables:
        households:
          columns:
            id:     { type: uuid, primary_key: true }
            notes:  { type: text, conflict: manual }
            crop:   { type: text }
            visits: { type: integer, conflict: sum }
      """;

  @Test
  void aParkedFieldLeavesItsSiblingsInTheSamePushApplied() throws Exception {
    server = TestServer.builder(dir).schema(SIBLINGS).clock(ManualClock.startingNow()).start();
    TestDevice a = device("device-a");
    TestDevice b = device("device-b");
    String id = IDS.get(0);
    a.execute(
        "INSERT INTO households (id, notes, crop, visits) VALUES (?, 'start', 'maize', 10)", id);
    TestDevice.syncAll(a, b);

    a.execute("UPDATE households SET notes = 'from a', visits = visits + 2 WHERE id = ?", id);
    a.sync();
    b.execute(
        "UPDATE households SET notes = 'from b', crop = 'beans', visits = visits + 5 WHERE id = ?",
        id);
    b.sync();

    assertThat(b.client().parked().list()).extracting(ParkedEdit::column).containsExactly("notes");
    JsonArray items = server.review().items();
    assertThat(items).hasSize(1);
    assertThat(items.get(0).getAsJsonObject().get("column").getAsString()).isEqualTo("notes");
    TestDevice.syncAll(a, b);
    Map<String, Object> expected =
        Map.of("id", id, "notes", "from a", "crop", "beans", "visits", 10L + 2 + 5);
    for (TestDevice device : List.of(a, b)) {
      Map<String, Object> row = device.rows("households").get(0);
      assertThat(row.get("notes")).isEqualTo(expected.get("notes"));
      assertThat(row.get("crop")).isEqualTo(expected.get("crop"));
      assertThat(((Number) row.get("visits")).longValue()).isEqualTo(expected.get("visits"));
    }
  }

  private static List<Object> notes(TestDevice device) {
    return device.rows("households").stream().map(row -> row.get("notes")).toList();
  }

  /** A device seeded by its name, so a run replays the same batch ids. */
  private TestDevice device(String name) {
    return server.device(name, builder -> builder.seed(name.hashCode()));
  }
}
