package io.fieldsync.client.internal.capture;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.client.internal.state.DeviceFixture;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A device database of layout 2 (the log indexed by record id, the stash trigger testing the
 * capture flag last) opens as the current layout with its pending edits intact.
 */
class LayoutTwoUpgradeTest {
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

  private static final String LAYOUT_2_STASH_WHEN =
      " WHEN (EXISTS (SELECT 1 FROM \"households\" WHERE \"id\" = NEW.\"id\") OR EXISTS (SELECT 1"
          + " FROM _fs_replaced WHERE tbl = 'households' AND rid IS NEW.\"id\")) AND (SELECT"
          + " capture FROM _fs_state) = 1";

  @BeforeEach
  void setUp() throws Exception {
    device = DeviceFixture.create(db());
    device.sql(
        "INSERT INTO households (id, region, head_name) VALUES ('" + H1 + "', 'n', 'Ada')",
        "UPDATE households SET head_name = 'Grace' WHERE id = '" + H1 + "'");
    device.close();
    device = null;
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db());
        Statement statement = c.createStatement()) {
      statement.execute("CREATE INDEX _fs_changelog_rid ON _fs_changelog (rid)");
      statement.execute("UPDATE _fs_meta SET value = 2 WHERE key = 'layout'");
      statement.execute("DROP TRIGGER \"_fs_households_stash\"");
      statement.execute(
          "CREATE TRIGGER \"_fs_households_stash\" BEFORE INSERT ON \"households\""
              + LAYOUT_2_STASH_WHEN
              + " BEGIN SELECT 1; END");
    }
  }

  @Test
  void openingDropsTheRecordIndexAndRemakesTheTriggers() throws Exception {
    device = DeviceFixture.open(db());

    assertThat(device.query("SELECT name FROM sqlite_master WHERE tbl_name = '_fs_changelog'"))
        .extracting(row -> row.get("name"))
        .containsExactlyInAnyOrder("_fs_changelog", "_fs_changelog_drained");
    assertThat(device.scalar("SELECT value FROM _fs_meta WHERE key = 'layout'"))
        .isEqualTo(LocalSchema.LAYOUT);
    assertThat(device.scalar("SELECT sql FROM sqlite_master WHERE name = '_fs_households_stash'"))
        .asString()
        .doesNotContain(LAYOUT_2_STASH_WHEN)
        .contains("WHEN (SELECT capture FROM _fs_state) = 1 AND (EXISTS");
  }

  @Test
  void pendingEditsSurviveAndReplacingARowStillLogsOnlyTheChange() throws Exception {
    device = DeviceFixture.open(db());

    assertThat(device.pendingValue("households", H1, "head_name")).isEqualTo("Grace");
    device.sql(
        "INSERT OR REPLACE INTO households (id, region, head_name) VALUES ('"
            + H1
            + "', 's', 'Grace')");
    List<Map<String, Object>> log = device.log();
    assertThat(log).hasSize(3);
    assertThat(log.get(2)).containsEntry("op", "U").containsEntry("vals", "{\"region\":\"s\"}");
  }
}
