package io.fieldsync.client.internal.capture;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.client.internal.state.DeviceFixture;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A device database of layout 4 (capture triggers reading the device id from {@code _fs_state} for
 * every row) opens as the current layout, with the id written into its triggers and its pending
 * edits intact.
 */
class LayoutFourUpgradeTest {
  private static final String LAYOUT_4_DEVICE = "(SELECT device FROM _fs_state)";
  private static final String H1 = DeviceFixture.H1;
  private static final String H2 = DeviceFixture.H2;

  @TempDir Path dir;
  private DeviceFixture fixture;
  private String device;

  private Path db() {
    return dir.resolve("device.db");
  }

  @AfterEach
  void closeDevice() {
    if (fixture != null) {
      fixture.close();
    }
  }

  @BeforeEach
  void setUp() throws Exception {
    fixture = DeviceFixture.create(db());
    fixture.sql(
        "INSERT INTO households (id, region, head_name) VALUES ('" + H1 + "', 'n', 'Ada')",
        "UPDATE households SET head_name = 'Grace' WHERE id = '" + H1 + "'");
    device = (String) fixture.scalar("SELECT device FROM _fs_state");
    fixture.close();
    fixture = null;
    String literal = "'" + device + "'";
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db());
        Statement statement = c.createStatement()) {
      List<String[]> triggers = new ArrayList<>();
      try (ResultSet rows =
          statement.executeQuery(
              "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND sql LIKE '%"
                  + device
                  + "%'")) {
        while (rows.next()) {
          triggers.add(new String[] {rows.getString(1), rows.getString(2)});
        }
      }
      assertThat(triggers).isNotEmpty();
      for (String[] trigger : triggers) {
        statement.execute("DROP TRIGGER \"" + trigger[0] + "\"");
        statement.execute(trigger[1].replace(literal, LAYOUT_4_DEVICE));
      }
      statement.execute("UPDATE _fs_meta SET value = 4 WHERE key = 'layout'");
    }
  }

  @Test
  void openingWritesTheDeviceIntoTheTriggers() throws Exception {
    assertThat(triggerSql()).anyMatch(sql -> sql.contains(LAYOUT_4_DEVICE));

    try (FieldSyncClient client = FieldSyncClient.open(db())) {
      fixture = DeviceFixture.open(db());
    }

    assertThat(fixture.scalar("SELECT value FROM _fs_meta WHERE key = 'layout'"))
        .isEqualTo(LocalSchema.LAYOUT);
    assertThat(triggerSql())
        .allMatch(sql -> !sql.contains(LAYOUT_4_DEVICE))
        .anyMatch(sql -> sql.contains("'" + device + "'"));
  }

  @Test
  void pendingEditsSurviveAndNewCapturesCarryTheDevice() throws Exception {
    fixture = DeviceFixture.open(db());

    assertThat(fixture.pendingValue("households", H1, "head_name")).isEqualTo("Grace");
    fixture.sql(
        "UPDATE households SET region = 's' WHERE id = '" + H1 + "'",
        "INSERT OR REPLACE INTO households (id, region, head_name) VALUES ('"
            + H2
            + "', 'e', 'Bo')",
        "DELETE FROM households WHERE id = '" + H2 + "'");
    List<Map<String, Object>> log = fixture.log();
    assertThat(log).extracting(row -> row.get("op")).containsExactly("I", "U", "U", "I", "D");
    assertThat(log).allMatch(row -> device.equals(row.get("device")));
    assertThat(log.get(2)).containsEntry("vals", "{\"region\":\"s\"}");
  }

  private List<String> triggerSql() throws Exception {
    List<String> result = new ArrayList<>();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db());
        Statement statement = c.createStatement();
        ResultSet rows =
            statement.executeQuery(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE '\\_fs\\_%' ESCAPE '\\'"
                    + " AND name NOT LIKE '\\_fs\\_changelog%' ESCAPE '\\' AND name NOT LIKE"
                    + " '\\_fs\\_replaced%' ESCAPE '\\'")) {
      while (rows.next()) {
        result.add(rows.getString(1));
      }
    }
    return result;
  }
}
