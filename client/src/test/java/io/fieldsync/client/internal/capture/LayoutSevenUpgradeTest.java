package io.fieldsync.client.internal.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fieldsync.ConfigException;
import io.fieldsync.client.FieldSyncClient;
import io.fieldsync.client.internal.state.DeviceFixture;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A device database of layout 7 (no {@code _fs_answered}) opens as the current layout with the
 * table for an answered push batch, its pending edit still in the log; one of a layout newer than
 * this library's is refused and left as it was.
 */
class LayoutSevenUpgradeTest {
  @TempDir Path dir;
  private DeviceFixture fixture;

  @AfterEach
  void closeDevice() {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void theAnsweredBatchTableIsCreatedAndPendingEditsStay() throws Exception {
    Path db = dir.resolve("device.db");
    fixture = DeviceFixture.create(db);
    fixture.close();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement statement = c.createStatement()) {
      statement.execute("DROP TABLE _fs_answered");
      statement.execute(
          "INSERT INTO households (id, region, head_name) VALUES ('"
              + DeviceFixture.H1
              + "', 'n', 'Ada')");
      statement.execute("UPDATE _fs_meta SET value = 7 WHERE key = 'layout'");
    }

    try (FieldSyncClient client = FieldSyncClient.open(db)) {
      assertThat(client.status().pending()).isEqualTo(1L);
    }

    fixture = DeviceFixture.open(db);
    assertThat(fixture.scalar("SELECT value FROM _fs_meta WHERE key = 'layout'"))
        .isEqualTo(LocalSchema.LAYOUT);
    assertThat(fixture.scalar("SELECT count(*) FROM _fs_answered")).isEqualTo(0L);
    assertThat(fixture.log()).extracting(row -> row.get("op")).containsExactly("I");
    assertThat(fixture.pendingValue("households", DeviceFixture.H1, "head_name")).isEqualTo("Ada");
  }

  @Test
  void aDatabaseOfANewerLayoutIsRefusedAndLeftAsItWas() throws Exception {
    Path db = dir.resolve("newer.db");
    fixture = DeviceFixture.create(db);
    fixture.close();
    long newer = LocalSchema.LAYOUT + 1;
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement statement = c.createStatement()) {
      statement.execute(
          "INSERT INTO households (id, region, head_name) VALUES ('"
              + DeviceFixture.H1
              + "', 'n', 'Ada')");
      statement.execute("UPDATE _fs_meta SET value = " + newer + " WHERE key = 'layout'");
    }

    assertThatThrownBy(() -> FieldSyncClient.open(db).close())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("local layout " + newer)
        .hasMessageContaining("up to " + LocalSchema.LAYOUT);

    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement statement = c.createStatement();
        ResultSet rows =
            statement.executeQuery(
                "SELECT (SELECT value FROM _fs_meta WHERE key = 'layout'),"
                    + " (SELECT group_concat(op) FROM _fs_changelog)")) {
      assertThat(rows.next()).isTrue();
      assertThat(rows.getLong(1)).isEqualTo(newer);
      assertThat(rows.getString(2)).isEqualTo("I");
    }
  }
}
