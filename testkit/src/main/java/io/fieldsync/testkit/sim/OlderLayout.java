package io.fieldsync.testkit.sim;

import io.fieldsync.StorageException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * A device database as an older library left it, for the app update the simulation plays: the
 * closed database of a device is rewritten, with everything it holds (rows, pending log rows with
 * their ids, stamps and bases, cursor, own-write ranges), into the layout an older library wrote,
 * and the current library then opens it and upgrades it. A crash can be armed inside the upgrade's
 * one transaction ({@link #armCrash}): a trigger that aborts its last write, the layout mark, so
 * the transaction rolls back as a killed process's would.
 */
final class OlderLayout {
  private static final String CRASH_TRIGGER = "_sim_crash_in_upgrade";

  private OlderLayout() {}

  /**
   * Layout 1: an AUTOINCREMENT log indexed by record, no drain trigger nor {@code drained} column,
   * the clock row at the last stamp, own-write ranges and the server list as text, no layout mark.
   */
  static void layout1(Path file) {
    run(
        file,
        statement -> {
          dropTriggers(statement, "SELECT name FROM sqlite_master WHERE type = 'trigger'");
          statement.execute(
              "UPDATE _fs_state SET hlc = max(hlc, drained,"
                  + " (SELECT coalesce(max(hlc), 0) FROM _fs_changelog))");
          statement.execute("ALTER TABLE _fs_changelog RENAME TO _sim_changelog");
          statement.execute(
              "CREATE TABLE _fs_changelog (id INTEGER PRIMARY KEY AUTOINCREMENT, tbl TEXT NOT NULL,"
                  + " rid TEXT, op TEXT NOT NULL, vals TEXT, extra TEXT, hlc INTEGER NOT NULL,"
                  + " device TEXT NOT NULL, base INTEGER NOT NULL)");
          statement.execute("CREATE INDEX _fs_changelog_record ON _fs_changelog (tbl, rid)");
          statement.execute("INSERT INTO _fs_changelog SELECT * FROM _sim_changelog ORDER BY id");
          statement.execute("DROP TABLE _sim_changelog");
          statement.execute("ALTER TABLE _fs_state DROP COLUMN drained");
          statement.execute("DELETE FROM _fs_meta WHERE key = 'layout'");
          textLists(statement);
        });
  }

  /**
   * Layout 4: capture triggers that read the device id from {@code _fs_state} instead of carrying
   * it, own-write ranges already JSON.
   */
  static void layout4(Path file) {
    run(
        file,
        statement -> {
          String device;
          try (ResultSet rows = statement.executeQuery("SELECT device FROM _fs_state")) {
            rows.next();
            device = rows.getString(1);
          }
          String literal = "'" + device.replace("'", "''") + "'";
          List<String[]> triggers = new ArrayList<>();
          try (ResultSet rows =
              statement.executeQuery(
                  "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")) {
            while (rows.next()) {
              if (rows.getString(2).contains(literal)) {
                triggers.add(new String[] {rows.getString(1), rows.getString(2)});
              }
            }
          }
          if (triggers.isEmpty()) {
            throw new IllegalStateException(file + ": no capture trigger carries " + literal);
          }
          for (String[] trigger : triggers) {
            statement.execute("DROP TRIGGER \"" + trigger[0] + "\"");
            statement.execute(trigger[1].replace(literal, "(SELECT device FROM _fs_state)"));
          }
          statement.execute("UPDATE _fs_meta SET value = 4 WHERE key = 'layout'");
        });
  }

  /** The next upgrade of {@code file} dies before its transaction commits. */
  static void armCrash(Path file) {
    run(
        file,
        statement -> {
          for (String event : List.of("INSERT", "UPDATE")) {
            statement.execute(
                "CREATE TRIGGER "
                    + CRASH_TRIGGER
                    + "_"
                    + event.toLowerCase(java.util.Locale.ROOT)
                    + " BEFORE "
                    + event
                    + " ON _fs_meta WHEN NEW.key = 'layout' BEGIN SELECT RAISE(ABORT, 'the device"
                    + " died inside the layout upgrade (simulated)'); END");
          }
        });
  }

  /** Removes what {@link #armCrash} installed: the process that starts again has no such fault. */
  static void disarm(Path file) {
    run(
        file,
        statement ->
            dropTriggers(
                statement,
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '"
                    + CRASH_TRIGGER
                    + "%'"));
  }

  /** The layout mark the database holds (1 when it has none). */
  static long layout(Path file) {
    long[] layout = {1};
    run(
        file,
        statement -> {
          try (ResultSet rows =
              statement.executeQuery("SELECT value FROM _fs_meta WHERE key = 'layout'")) {
            if (rows.next()) {
              layout[0] = rows.getLong(1);
            }
          }
        });
    return layout[0];
  }

  /** Own-write ranges as "first-last,..." and the server list one per line, as layout 3 kept. */
  private static void textLists(Statement statement) throws SQLException {
    String ranges = null;
    try (ResultSet rows =
        statement.executeQuery("SELECT value FROM _fs_meta WHERE key = 'own_writes'")) {
      if (rows.next()) {
        ranges = rows.getString(1);
      }
    }
    if (ranges == null) {
      return;
    }
    StringBuilder text = new StringBuilder();
    com.google.gson.JsonParser.parseString(ranges)
        .getAsJsonArray()
        .forEach(
            range -> {
              var object = range.getAsJsonObject();
              if (!text.isEmpty()) {
                text.append(',');
              }
              text.append(object.get("first").getAsLong())
                  .append('-')
                  .append(object.get("last").getAsLong());
            });
    try (var update =
        statement.getConnection().prepareStatement("UPDATE _fs_meta SET value = ? WHERE key = ?")) {
      update.setString(1, text.toString());
      update.setString(2, "own_writes");
      update.executeUpdate();
    }
  }

  private static void dropTriggers(Statement statement, String query) throws SQLException {
    List<String> names = new ArrayList<>();
    try (ResultSet rows = statement.executeQuery(query)) {
      while (rows.next()) {
        names.add(rows.getString(1));
      }
    }
    for (String name : names) {
      statement.execute("DROP TRIGGER \"" + name + "\"");
    }
  }

  private interface Work {
    void on(Statement statement) throws SQLException;
  }

  private static void run(Path file, Work work) {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement statement = c.createStatement()) {
      work.on(statement);
    } catch (SQLException e) {
      throw new StorageException(file.getFileName() + ": " + e.getMessage(), e);
    }
  }
}
