package io.fieldsync.client.internal.capture;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.client.SyncStatus;
import io.fieldsync.client.WorkerStatus;
import io.fieldsync.client.internal.state.DeviceFixture;
import io.fieldsync.client.internal.state.DeviceState;
import io.fieldsync.client.internal.state.Jdbc;
import io.fieldsync.client.internal.state.WriteRange;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A device database of layout 3 (own-write ranges as {@code first-last} pairs separated by commas,
 * the server list one URL a line) opens as the current layout with every value of its sync state
 * kept, the lists rewritten as JSON.
 */
class LayoutThreeUpgradeTest {
  private static final String H1 = DeviceFixture.H1;

  @TempDir Path dir;
  private DeviceFixture device;

  private Path db() {
    return dir.resolve("device.db");
  }

  @AfterEach
  void closeDevice() {
    if (device != null) {
      device.close();
    }
  }

  @BeforeEach
  void setUp() throws Exception {
    device = DeviceFixture.create(db());
    device.sql("INSERT INTO households (id, region, head_name) VALUES ('" + H1 + "', 'n', 'Ada')");
    device.close();
    device = null;
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db());
        Statement statement = c.createStatement()) {
      statement.execute("UPDATE _fs_meta SET value = 3 WHERE key = 'layout'");
      statement.execute("UPDATE _fs_state SET cursor = 41");
      statement.execute(
          "INSERT INTO _fs_meta (key, value) VALUES ('own_writes', '3-5,9-12'),"
              + " ('server_urls', 'http://a.example:1' || char(10) || 'http://b.example:2'),"
              + " ('pull_since', 40), ('device_batches', 7), ('last_sync_at', 1700000000000),"
              + " ('worker_last_error', 'offline'), ('worker_server_sequence', 44)");
    }
  }

  @Test
  void openingKeepsEveryValueAndStoresTheListsAsJson() throws Exception {
    Map<String, Object> before = meta();

    device = DeviceFixture.open(db());

    Map<String, Object> after = meta();
    assertThat(after.get("layout")).isEqualTo(LocalSchema.LAYOUT);
    assertThat(after.get("own_writes"))
        .isEqualTo("[{\"first\":3,\"last\":5},{\"first\":9,\"last\":12}]");
    assertThat(after.get("server_urls"))
        .isEqualTo("[\"http://a.example:1\",\"http://b.example:2\"]");
    before.remove("layout");
    before.remove("own_writes");
    before.remove("server_urls");
    assertThat(after).containsAllEntriesOf(before);
    assertThat(device.scalar("SELECT cursor FROM _fs_state")).isEqualTo(41L);
    assertThat(device.pendingValue("households", H1, "head_name")).isEqualTo("Ada");

    // Read as the app reads them; opening makes no network call.
    try (FieldSyncClient client = FieldSyncClient.open(db())) {
      SyncStatus status = client.status();
      assertThat(status.cursor()).isEqualTo(41);
      assertThat(status.lastSyncAt()).isEqualTo(Instant.ofEpochMilli(1700000000000L));
      WorkerStatus worker = client.workerStatus();
      assertThat(worker.lastError()).isEqualTo("offline");
      assertThat(worker.serverSequence()).isEqualTo(44);
    }
  }

  @Test
  void theUpgradedStateReadsBackTyped() throws Exception {
    device = DeviceFixture.open(db());
    device.close();
    device = null;

    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db())) {
      var state = new DeviceState(c);
      assertThat(state.ownWrites()).containsExactly(new WriteRange(3, 5), new WriteRange(9, 12));
      assertThat(state.servers())
          .containsExactly(URI.create("http://a.example:1"), URI.create("http://b.example:2"));
      assertThat(state.pullSince()).isEqualTo(40);
      assertThat(state.deviceBatches()).isEqualTo(7);
    }
  }

  private Map<String, Object> meta() throws Exception {
    Map<String, Object> values = new TreeMap<>();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db());
        Statement statement = c.createStatement();
        ResultSet rows = statement.executeQuery("SELECT key, value FROM _fs_meta")) {
      while (rows.next()) {
        Object value = Jdbc.normalize(rows.getObject(2));
        values.put(
            rows.getString(1), value instanceof byte[] bytes ? List.of(bytes.length) : value);
      }
    }
    return values;
  }
}
