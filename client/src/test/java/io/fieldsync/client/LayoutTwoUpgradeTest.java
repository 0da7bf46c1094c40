package io.fieldsync.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.client.internal.capture.LocalSchema;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A device database of layout 2 (the log indexed by record id, the stash trigger testing the
 * capture flag last) opens as the current layout with its pending edits intact.
 */
class LayoutTwoUpgradeTest extends ClientFixture {
  private static final String LAYOUT_2_STASH_WHEN =
      " WHEN (EXISTS (SELECT 1 FROM \"households\" WHERE \"id\" = NEW.\"id\") OR EXISTS (SELECT 1"
          + " FROM _fs_replaced WHERE tbl = 'households' AND rid IS NEW.\"id\")) AND (SELECT"
          + " capture FROM _fs_state) = 1";

  @BeforeEach
  void setUp() throws Exception {
    init();
    sql(
        "INSERT INTO households (id, region, head_name) VALUES ('" + H1 + "', 'n', 'Ada')",
        "UPDATE households SET head_name = 'Grace' WHERE id = '" + H1 + "'");
    client.close();
    client = null;
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
    client = builder().open();

    assertThat(query("SELECT name FROM sqlite_master WHERE tbl_name = '_fs_changelog'"))
        .extracting(row -> row.get("name"))
        .containsExactlyInAnyOrder("_fs_changelog", "_fs_changelog_drained");
    assertThat(scalar("SELECT value FROM _fs_meta WHERE key = 'layout'"))
        .isEqualTo(LocalSchema.LAYOUT);
    assertThat(scalar("SELECT sql FROM sqlite_master WHERE name = '_fs_households_stash'"))
        .asString()
        .doesNotContain(LAYOUT_2_STASH_WHEN)
        .contains("WHEN (SELECT capture FROM _fs_state) = 1 AND (EXISTS");
  }

  @Test
  void pendingEditsSurviveAndReplacingARowStillLogsOnlyTheChange() throws Exception {
    client = builder().open();

    assertThat(pending("households", H1).fields.get("head_name").value).isEqualTo("Grace");
    sql(
        "INSERT OR REPLACE INTO households (id, region, head_name) VALUES ('"
            + H1
            + "', 's', 'Grace')");
    List<Map<String, Object>> log = log();
    assertThat(log).hasSize(3);
    assertThat(log.get(2)).containsEntry("op", "U").containsEntry("vals", "{\"region\":\"s\"}");
  }
}
