package io.fieldsync.client.internal.capture;

import io.fieldsync.client.internal.state.Jdbc;
import io.fieldsync.schema.Table;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;

/**
 * Rewrites a current device database as the layout-1 library left it (an AUTOINCREMENT log indexed
 * by record, a clock row bumped by every capture), with two pending edits of one household.
 */
public final class LayoutOneDatabase {
  private LayoutOneDatabase() {}

  /**
   * Leaves household {@code recordId} (region 'n', head_name 'Ada') with pending log rows 7
   * (insert, stamp {@code stamp + 1}) and 8 (head_name update, {@code stamp + 2}) of a log sequence
   * that reached 9, written by {@code device}, and the clock row at {@code stamp + 2}.
   */
  public static void rewrite(
      Path database, Collection<Table> tables, String device, String recordId, long stamp)
      throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + database);
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
          "INSERT INTO households (id, region, head_name) VALUES ('" + recordId + "', 'n', 'Ada')");
      statement.execute("DELETE FROM _fs_changelog");
      statement.execute(
          "INSERT INTO _fs_changelog (id, tbl, rid, op, vals, extra, hlc, device, base) VALUES"
              + " (7, 'households', '"
              + recordId
              + "', 'I', '{\"region\":\"n\",\"head_name\":null}', NULL, "
              + (stamp + 1)
              + ", '"
              + device
              + "', 0), (8, 'households', '"
              + recordId
              + "', 'U', '{\"head_name\":\"Ada\"}', NULL, "
              + (stamp + 2)
              + ", '"
              + device
              + "', 0), (9, 'households', 'gone', 'D', NULL, NULL, 1, 'x', 0)");
      statement.execute("DELETE FROM _fs_changelog WHERE id = 9");
      statement.execute("UPDATE _fs_state SET hlc = " + (stamp + 2));
    }
  }
}
