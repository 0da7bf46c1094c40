package io.fieldsync.conflict;

import static io.fieldsync.conflict.Cluster.exec;
import static io.fieldsync.conflict.Cluster.syncAll;
import static io.fieldsync.conflict.Cluster.value;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.client.ParkedEdit;
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
  Cluster cluster;

  @AfterEach
  void stop() {
    cluster.close();
  }

  @Test
  void eachResolutionSyncsToEveryDeviceAndSettlesTheParkedEdit() throws Exception {
    cluster = new Cluster(dir, SCHEMA);
    FieldSyncClient a = cluster.device("device-a");
    FieldSyncClient b = cluster.device("device-b");
    FieldSyncClient c = cluster.device("device-c");
    for (String id : IDS) {
      exec(a, "INSERT INTO households (id, notes) VALUES (?, 'start')", id);
    }
    syncAll(a, b, c);
    long base = ((Number) value(b, "SELECT cursor FROM _fs_state")).longValue();
    for (String id : IDS) {
      exec(a, "UPDATE households SET notes = 'from a' WHERE id = ?", id);
      exec(b, "UPDATE households SET notes = 'from b' WHERE id = ?", id);
    }
    syncAll(a, b);
    assertThat(b.parked())
        .extracting(ParkedEdit::column)
        .containsExactly("notes", "notes", "notes");

    JsonArray items = cluster.reviewItems();
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
          .isEqualTo(Instant.ofEpochMilli(cluster.wall.get()));
    }

    assertThat(
            cluster
                .resolve(itemByRecord.get(IDS.get(0)), "{\"action\":\"keep_server\"}")
                .statusCode())
        .isEqualTo(200);
    assertThat(
            cluster
                .resolve(itemByRecord.get(IDS.get(1)), "{\"action\":\"take_device\"}")
                .statusCode())
        .isEqualTo(200);
    assertThat(
            cluster
                .resolve(itemByRecord.get(IDS.get(2)), "{\"action\":\"set\",\"value\":\"agreed\"}")
                .statusCode())
        .isEqualTo(200);
    syncAll(a, b, c);
    for (FieldSyncClient device : List.of(a, b, c)) {
      assertThat(notes(device)).containsExactly("from a", "from b", "agreed");
    }
    assertThat(b.parked()).isEmpty();
    assertThat(cluster.reviewItems()).isEmpty();
    assertThat(
            cluster.serverRows(
                "SELECT outcome FROM _fs_journal WHERE op = 'resolve' AND seq > 0 ORDER BY seq"))
        .containsExactly(
            Map.of("outcome", "review_keep_server"),
            Map.of("outcome", "review_take_device"),
            Map.of("outcome", "review_set"));
  }

  private static List<Object> notes(FieldSyncClient device) {
    return Cluster.rows(device, "households").stream().map(row -> row.get("notes")).toList();
  }
}
