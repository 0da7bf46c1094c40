package io.fieldsync.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldsync.client.internal.capture.CaptureTriggers;
import io.fieldsync.client.internal.capture.LocalSchema;
import io.fieldsync.client.internal.state.Jdbc;
import io.fieldsync.schema.Table;
import io.fieldsync.wire.Change;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A device database written by the layout-1 library (AUTOINCREMENT log) opens and keeps working.
 */
class LayoutUpgradeTest extends ClientFixture {
  private static final long STAMP = io.fieldsync.clock.Hlc.of(System.currentTimeMillis(), 0);

  @BeforeEach
  void setUp() throws Exception {
    init();
    List<Table> tables = List.copyOf(client.schema().tables().values());
    client.close();
    client = null;
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db());
        Statement statement = c.createStatement()) {
      for (Table table : tables) {
        new Jdbc(c).executeAll(CaptureTriggers.drop(table));
      }
      statement.execute("DROP TRIGGER _fs_changelog_drained");
      statement.execute("DROP TRIGGER _fs_replaced_used");
      statement.execute("DROP TABLE _fs_changelog");
      statement.execute(
          "CREATE TABLE _fs_changelog (id INTEGER PRIMARY KEY AUTOINCREMENT, tbl TEXT NOT NULL,"
              + " rid TEXT, op TEXT NOT NULL, vals TEXT, extra TEXT, hlc INTEGER NOT NULL,"
              + " device TEXT NOT NULL, base INTEGER NOT NULL)");
      statement.execute("CREATE INDEX _fs_changelog_record ON _fs_changelog (tbl, rid)");
      statement.execute("ALTER TABLE _fs_state DROP COLUMN drained");
      statement.execute("DELETE FROM _fs_meta WHERE key = 'layout'");
      // A layout-1 capture trigger that must not survive the upgrade.
      statement.execute(
          "CREATE TRIGGER \"_fs_households_ins\" AFTER INSERT ON households BEGIN INSERT INTO"
              + " _fs_changelog (tbl, rid, op, hlc, device, base) VALUES ('households', NEW.id,"
              + " 'X', 0, '', 0); END");
      // Two pending edits at ids 7 and 8 of a sequence that reached 9; the clock row as layout 1
      // kept it: at the last stamp.
      statement.execute(
          "INSERT INTO households (id, region, head_name) VALUES ('" + H1 + "', 'n', 'Ada')");
      statement.execute("DELETE FROM _fs_changelog");
      statement.execute(
          "INSERT INTO _fs_changelog (id, tbl, rid, op, vals, extra, hlc, device, base) VALUES"
              + " (7, 'households', '"
              + H1
              + "', 'I', '{\"region\":\"n\",\"head_name\":null}', NULL, "
              + (STAMP + 1)
              + ", '"
              + FakeServer.DEVICE
              + "', 0), (8, 'households', '"
              + H1
              + "', 'U', '{\"head_name\":\"Ada\"}', NULL, "
              + (STAMP + 2)
              + ", '"
              + FakeServer.DEVICE
              + "', 0), (9, 'households', 'gone', 'D', NULL, NULL, 1, 'x', 0)");
      statement.execute("DELETE FROM _fs_changelog WHERE id = 9");
      statement.execute("UPDATE _fs_state SET hlc = " + (STAMP + 2));
    }
  }

  @Test
  void openingALayout1DatabaseKeepsPendingRowsAndCapturesWithTheNewTriggers() throws Exception {
    client = builder().open();

    assertThat(scalar("SELECT sql FROM sqlite_master WHERE name = '_fs_changelog'").toString())
        .doesNotContain("AUTOINCREMENT");
    assertThat(query("SELECT name FROM sqlite_master WHERE tbl_name = '_fs_changelog'"))
        .extracting(row -> row.get("name"))
        .containsExactlyInAnyOrder("_fs_changelog", "_fs_changelog_drained");
    assertThat(scalar("SELECT value FROM _fs_meta WHERE key = 'layout'"))
        .isEqualTo(LocalSchema.LAYOUT);
    sql("INSERT INTO households (id, region) VALUES ('" + H2 + "', 's')");

    List<Map<String, Object>> log = log();
    assertThat(log)
        .extracting(row -> row.get("id") + ":" + row.get("op") + ":" + row.get("rid"))
        .containsExactly("7:I:" + H1, "8:U:" + H1, "9:I:" + H2);
    assertThat(log.get(1))
        .containsEntry("hlc", STAMP + 2)
        .containsEntry("vals", "{\"head_name\":\"Ada\"}");
    assertThat((Long) log.get(2).get("hlc")).isGreaterThan(STAMP + 2);
    assertThat(pending("households", H1).fields.get("head_name").value).isEqualTo("Ada");
  }

  @Test
  void theUpgradedOutboxPushesEveryPendingRecordAndEmpties() throws Exception {
    client = builder().open();
    sql("INSERT INTO households (id, region) VALUES ('" + H2 + "', 's')");

    client.syncNow();

    assertThat(server.pushes).hasSize(1);
    assertThat(server.pushes.get(0).getChangesList())
        .extracting(Change::getRecordId)
        .containsExactly(H1, H2);
    assertThat(log()).isEmpty();
  }

  @Test
  void reopeningAnUpgradedDatabaseChangesNothing() throws Exception {
    client = builder().open();
    client.close();
    client = builder().open();

    assertThat(log()).extracting(row -> row.get("id")).containsExactly(7L, 8L);
    sql("UPDATE households SET region = 'e'");
    assertThat(log()).hasSize(3);
  }
}
