package io.fieldsync.client.internal.capture;

import io.fieldsync.client.internal.state.Jdbc;
import io.fieldsync.schema.Column;
import io.fieldsync.schema.Schema;
import io.fieldsync.schema.Table;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The local database layout: the application's tables as declared by the server, the internal
 * {@code _fs_} tables, and the capture triggers.
 *
 * <p>User tables get declared types, the primary key and {@code REFERENCES} clauses, but no NOT
 * NULL or type enforcement: the server validates every change and sends rejections back, and a
 * device must never refuse a write a person made in the field. {@code PRAGMA foreign_keys} stays
 * off because a pulled page may bring a child before its parent arrives.
 *
 * <p>The capture triggers are made by {@link CaptureTriggers}.
 */
public final class LocalSchema {

  /**
   * The layout version of the internal tables and triggers, kept in {@code _fs_meta}. Layout 4
   * stores the own-write ranges and the server list as JSON; layout 5 writes the device id into the
   * capture triggers; layout 6 never skips a pulled value of a column or table it does not have
   * (upgrading to it repairs rows of a schema move, see {@code LocalTables#upgrade}); layout 7
   * keeps, with each rejected and parked entry, its explanations ({@code explained}) and, for a
   * rejected one, the change as pushed ({@code change}), which a retry queues again; layout 8 keeps
   * a push batch answered but not yet acknowledged ({@code _fs_answered}) while the next one is
   * out.
   */
  public static final long LAYOUT = 8;

  static final String CHANGELOG_DDL =
      "CREATE TABLE IF NOT EXISTS _fs_changelog (id INTEGER PRIMARY KEY, tbl TEXT NOT NULL, rid"
          + " TEXT, op TEXT NOT NULL, vals TEXT, extra TEXT, hlc INTEGER NOT NULL, device TEXT NOT"
          + " NULL, base INTEGER NOT NULL)";

  /**
   * The log's drain trigger: deleting the last row (an ack that empties the outbox) keeps its stamp
   * in {@code _fs_state}, so the next stamp is still higher. The log has no index by record: the
   * insert into it at a random place doubled the cost of a captured insert, and the one lookup by
   * record finds the rows by id instead ({@code Outbox.pendingKeys}).
   */
  static final List<String> CHANGELOG_EXTRAS =
      List.of(
          "CREATE TRIGGER IF NOT EXISTS _fs_changelog_drained AFTER DELETE ON _fs_changelog WHEN"
              + " NOT EXISTS (SELECT 1 FROM _fs_changelog WHERE id > OLD.id) BEGIN UPDATE _fs_state"
              + " SET drained = max(drained, OLD.hlc), hlc = max(hlc, OLD.hlc); END");

  /**
   * A replacement that changed no column leaves an empty update as the log's last row when its
   * stash is deleted; no such row outlives its statement, so clearing an older stash finds none.
   */
  static final String REPLACED_TRIGGER =
      "CREATE TRIGGER IF NOT EXISTS _fs_replaced_used AFTER DELETE ON _fs_replaced BEGIN DELETE"
          + " FROM _fs_changelog WHERE id = (SELECT max(id) FROM _fs_changelog) AND tbl = OLD.tbl"
          + " AND rid IS OLD.rid AND op = 'U' AND vals = '{}'; END";

  /** The device's edits the server parked for review (see {@code ParkedEdits}). */
  public static final String PARKED_DDL =
      "CREATE TABLE IF NOT EXISTS _fs_parked (id INTEGER PRIMARY KEY AUTOINCREMENT,"
          + " tbl TEXT NOT NULL, rid TEXT NOT NULL, col TEXT, device_value TEXT,"
          + " reason TEXT NOT NULL, at INTEGER NOT NULL, seq INTEGER NOT NULL,"
          + " field_hlc INTEGER NOT NULL, explained TEXT)";

  /** The push batch answered and not yet acknowledged (see {@code AnsweredBatch}). */
  static final String ANSWERED_DDL =
      "CREATE TABLE IF NOT EXISTS _fs_answered (id INTEGER PRIMARY KEY CHECK (id = 1),"
          + " max_log_id INTEGER NOT NULL, max_log_hlc INTEGER NOT NULL, request BLOB NOT NULL,"
          + " response BLOB NOT NULL)";

  static final List<String> INTERNAL_DDL =
      List.of(
          "CREATE TABLE IF NOT EXISTS _fs_state (id INTEGER PRIMARY KEY CHECK (id = 1),"
              + " hlc INTEGER NOT NULL, device TEXT NOT NULL, capture INTEGER NOT NULL DEFAULT 1,"
              + " cursor INTEGER NOT NULL DEFAULT 0, drained INTEGER NOT NULL DEFAULT 0)",
          "CREATE TABLE IF NOT EXISTS _fs_meta (key TEXT PRIMARY KEY, value)",
          CHANGELOG_DDL,
          CHANGELOG_EXTRAS.get(0),
          "CREATE TABLE IF NOT EXISTS _fs_inflight (id INTEGER PRIMARY KEY CHECK (id = 1),"
              + " batch_id TEXT NOT NULL, max_log_id INTEGER NOT NULL, request BLOB NOT NULL,"
              + " created_at INTEGER NOT NULL)",
          ANSWERED_DDL,
          "CREATE TABLE IF NOT EXISTS _fs_rejected (id INTEGER PRIMARY KEY AUTOINCREMENT,"
              + " tbl TEXT NOT NULL, rid TEXT, op TEXT NOT NULL, vals TEXT, reason TEXT NOT NULL,"
              + " batch_id TEXT NOT NULL, at INTEGER NOT NULL, change BLOB, explained TEXT)",
          "CREATE TABLE IF NOT EXISTS _fs_replaced (tbl TEXT NOT NULL, rid TEXT, vals TEXT NOT NULL)",
          "CREATE INDEX IF NOT EXISTS _fs_replaced_record ON _fs_replaced (tbl, rid)",
          REPLACED_TRIGGER,
          PARKED_DDL);

  /**
   * Brings a database of layout 1 (AUTOINCREMENT log, the clock bumped in {@code _fs_state} by
   * every capture) to this layout: pending log rows keep their ids, stamps and order.
   */
  static List<String> upgradeFromLayout1(Schema schema) {
    List<String> result = new ArrayList<>();
    // Every trigger naming the log goes first: a rename would rewrite them to the old table.
    for (Table table : schema.tables().values()) {
      result.addAll(CaptureTriggers.drop(table));
    }
    result.add("DROP TRIGGER IF EXISTS _fs_replaced_used");
    result.add("DROP TRIGGER IF EXISTS _fs_changelog_drained");
    result.add("ALTER TABLE _fs_state ADD COLUMN drained INTEGER NOT NULL DEFAULT 0");
    result.add("ALTER TABLE _fs_changelog RENAME TO _fs_changelog_layout1");
    result.add("DROP INDEX IF EXISTS _fs_changelog_record");
    result.add(CHANGELOG_DDL);
    result.add(
        "INSERT INTO _fs_changelog (id, tbl, rid, op, vals, extra, hlc, device, base) SELECT id,"
            + " tbl, rid, op, vals, extra, hlc, device, base FROM _fs_changelog_layout1 ORDER BY id");
    result.add("DROP TABLE _fs_changelog_layout1");
    result.addAll(CHANGELOG_EXTRAS);
    result.add(REPLACED_TRIGGER);
    // The capture triggers come back with the layout-4 step, which always follows this one.
    return result;
  }

  /**
   * Brings a database of layout 2 to layout 3: the log loses its index by record id (the capture
   * triggers, whose stash trigger now tests the capture flag first, come with the layout-4 step).
   */
  static List<String> upgradeFromLayout2() {
    return List.of("DROP INDEX IF EXISTS _fs_changelog_rid");
  }

  /**
   * Brings a database of layout 4 or older to layout 5: the capture triggers are made again, with
   * the device id written into them. Pending log rows are untouched.
   */
  static List<String> upgradeFromLayout4(Schema schema, String device) {
    List<String> result = new ArrayList<>();
    for (Table table : schema.tables().values()) {
      result.addAll(CaptureTriggers.create(table, device));
    }
    return result;
  }

  /**
   * Brings a database of layout 6 or older to layout 7: the rejected and parked entries get their
   * explanations and the change as pushed (both null for entries kept before).
   */
  static List<String> upgradeFromLayout6(Jdbc jdbc) throws SQLException {
    List<String> result = new ArrayList<>();
    result.add(PARKED_DDL);
    if (!hasColumn(jdbc, "_fs_rejected", "explained")) {
      result.add("ALTER TABLE _fs_rejected ADD COLUMN change BLOB");
      result.add("ALTER TABLE _fs_rejected ADD COLUMN explained TEXT");
    }
    if (jdbc.first(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_fs_parked'",
                row -> true)
            != null
        && !hasColumn(jdbc, "_fs_parked", "explained")) {
      result.add("ALTER TABLE _fs_parked ADD COLUMN explained TEXT");
    }
    return result;
  }

  private static boolean hasColumn(Jdbc jdbc, String table, String column) throws SQLException {
    return jdbc.first(
            "SELECT 1 FROM pragma_table_info(?) WHERE name = ?", row -> true, table, column)
        != null;
  }

  private LocalSchema() {}

  static String createTable(Table table) {
    StringBuilder sql = new StringBuilder("CREATE TABLE IF NOT EXISTS ");
    sql.append(SqlText.identifier(table.name())).append(" (");
    boolean first = true;
    for (Column column : table.columns().values()) {
      if (!first) {
        sql.append(", ");
      }
      first = false;
      sql.append(columnDefinition(column));
    }
    return sql.append(')').toString();
  }

  static String columnDefinition(Column column) {
    StringBuilder sql = new StringBuilder(SqlText.identifier(column.name()));
    sql.append(' ').append(column.type().sqliteType());
    if (column.primaryKey()) {
      sql.append(" PRIMARY KEY");
    }
    if (column.references() != null) {
      sql.append(" REFERENCES ").append(SqlText.identifier(column.references()));
    }
    return sql.toString();
  }

  /** Every statement that creates the local tables and triggers of a schema on a device. */
  static List<String> create(Schema schema, String device) {
    List<String> result = new ArrayList<>(INTERNAL_DDL);
    for (Table table : schema.tables().values()) {
      result.add(createTable(table));
    }
    for (Table table : schema.tables().values()) {
      result.addAll(CaptureTriggers.create(table, device));
    }
    return result;
  }
}
